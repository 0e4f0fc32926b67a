import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from search.params import DEFAULT_SIZE, SORTS, ParamError, SearchParams, params_from, parse_limit
from search.schema import FACETS


def test_defaults():
    p = params_from({})
    assert (p.q, p.filters, p.sort, p.page, p.size) == ("", (), "relevance", 1, DEFAULT_SIZE)


def test_filters_in_facet_order_with_multiple_values():
    p = params_from({"year": ["2022", "2017"], "issuer": "郑州市人民政府"})
    assert p.filters == (("issuer", ("郑州市人民政府",)), ("year", ("2022", "2017")))


@pytest.mark.parametrize(
    "args, message",
    [
        ({"page": "0"}, "page must be between"),
        ({"page": "x"}, "page must be a whole number"),
        ({"size": "1000"}, "size must be between"),
        ({"year": "abc"}, "year must be a whole number"),
        ({"sort": "random"}, "sort must be one of"),
        ({"date_from": "2020-13"}, "no month"),
        ({"page": ""}, "page must be a whole number"),
        ({"isuer": "郑州"}, "unknown parameter 'isuer'"),
        ({"q": "法" * 501}, "longer than 500"),
        ({"q": ["a", "b"]}, "q may be given once"),
    ],
)
def test_bad_parameters_raise_with_a_message(args, message):
    with pytest.raises(ParamError, match=message):
        params_from(args)


def test_toggle_and_query_string_round_trip():
    p = params_from({"q": "放管服", "year": "2022"})
    on = p.with_filter("doc_type", "报告", True)
    assert on.query_string() == "q=%E6%94%BE%E7%AE%A1%E6%9C%8D&year=2022&doc_type=%E6%8A%A5%E5%91%8A"
    assert on.with_filter("year", "2022", False).filters == (("doc_type", ("报告",)),)
    assert params_from({"q": "放管服", "page": "3"}).with_filter("year", "2022", True).page == 1


_VALUES = st.text(alphabet="国务院 &=+%2019省市ab", min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(
    q=st.text(max_size=6),
    chosen=st.dictionaries(st.sampled_from(FACETS), st.lists(_VALUES, min_size=1, max_size=3, unique=True)),
    facet=st.sampled_from(FACETS),
    values=st.lists(_VALUES, max_size=5),
    page=st.integers(1, 5),
    sort=st.sampled_from(SORTS),
    date_from=st.one_of(st.none(), st.just("2019")),
)
def test_toggle_query_strings_are_those_of_with_filter(q, chosen, facet, values, page, sort, date_from):
    p = SearchParams(
        q=q,
        filters=tuple((f, tuple(chosen[f])) for f in FACETS if f in chosen),
        page=page,
        sort=sort,
        date_from=date_from,
    )
    selected = set(p.filter_values(facet))
    assert p.toggle_query_strings(facet, values) == [
        p.with_filter(facet, v, v not in selected).query_string() for v in values
    ]


def test_a_range_whose_start_is_after_its_end_is_no_error_and_matches_nothing(opened):
    from search.engine import run_search

    params = params_from({"date_from": "2021", "date_to": "2020"})
    assert (params.date_from, params.date_to) == ("2021", "2020")
    assert run_search(opened, params).total == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [({}, 100), ({"limit": [""]}, 100), ({"limit": [" 7 "]}, 7), ({"limit": ["1"]}, 1), ({"limit": ["1000"]}, 1000)],
)
def test_a_list_limit_defaults_and_is_read_within_its_bounds(args, expected):
    assert parse_limit(MultiDict(args), 100, 1000) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"limit": ["0"]}, "limit must be a whole number from 1 to 1000, got '0'"),
        ({"limit": ["1001"]}, "limit must be a whole number from 1 to 1000, got '1001'"),
        ({"limit": ["-5"]}, "limit must be a whole number from 1 to 1000, got '-5'"),
        ({"limit": ["+5"]}, "limit must be a whole number from 1 to 1000, got '+5'"),
        ({"limit": ["1", "2"]}, "limit may be given once"),
        ({"limit": ["5"], "size": ["2"]}, "unknown parameter 'size'; accepted: limit"),
    ],
)
def test_a_list_limit_out_of_bounds_or_beside_other_parameters_is_refused(args, message):
    with pytest.raises(ParamError) as e:
        parse_limit(MultiDict(args), 100, 1000)
    assert str(e.value) == message
