"""The citation checker on real documents: a draft citing laws of the shared corpus and the seeds, every
citation found with the right status (a build of the documents it cites, with their metadata)."""

from __future__ import annotations

import pytest

from indexer.build import build_index
from search.checker import check_text
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from tests.conftest import INDEX_OPTIONS, SEEDS, copy_laws

pytestmark = pytest.mark.corpus

FILES = (
    "民法商法/公司法(2018-10-26).md",
    "民法商法/公司法(2023-12-29).md",
    "诉讼与非诉讼程序法/行政复议法(2017-09-01).md",
    "诉讼与非诉讼程序法/行政复议法(2023-09-01).md",
    "行政法/个人信息保护法(2021-08-20).md",
    "行政法规/政府信息公开条例(2019-04-03).md",
    "DLC/北京地方法规/地方性法规/北京/北京市信息化促进条例.md",
    "DLC/北京地方法规/地方性法规/北京/北京市人民代表大会常务委员会关于废止部分地方性法规的决定.md",
    "DLC/北京地方法规/地方性法规/北京/北京市未成年人保护条例(2023-05-26).md",
    "DLC/上海地方法规/地方性法规/上海/上海市未成年人保护条例(2024-12-31).md",
    "DLC/浙江地方法规/地方性法规/浙江/浙江省未成年人保护条例(2016-12-01).md",
    "DLC/广东地方法规/地方性法规/广东/广东省实施《消防法》办法(2022-03-29).md",
)

DRAFT = """某区人民政府关于进一步规范公司登记和政务公开工作的通知（代拟稿）

一、依据《中华人民共和国公司法》第十五条、第二十条和《中华人民共和国行政复议法》第二十条，结合本区实际，制定本通知。
二、原依照《公司法》（2018年修正）第十六条第二款作出的决议，按照现行规定重新审查；《行政复议法》（2017年修正）第九条规定的期限，依照新法执行。
三、处理个人信息应当遵守《个人信息保护法》第十三条、第二百条的规定，并按照国务院令第492号及国务院令第711号做好政府信息公开。
四、参照《北京市信息化促进条例》第五条、《未成年人保护条例》第十条和《涧西区法治政府建设实施方案（2022-2025年）（征求意见稿）》开展工作；《不存在的公司管理办法》第三条不再适用。
五、本通知第三条自发布之日起执行，依照公司法第二百六十六条的规定衔接。
"""
# Every citation of DRAFT as written, its status, and what it resolved to (title, date, article) or, for a
# superseded one, the article of the version in force now holding the provision.
EXPECTED = [
    ("《中华人民共和国公司法》第十五条", "ok", "2023-12-29 第十五条"),
    ("第二十条", "ok", "2023-12-29 第二十条"),
    ("《中华人民共和国行政复议法》第二十条", "ok", "2023-09-01 第二十条"),
    ("《公司法》（2018年修正）第十六条第二款", "superseded", "2023-12-29 第十五条"),
    ("《行政复议法》（2017年修正）第九条", "superseded", "2023-09-01 第二十条"),
    ("《个人信息保护法》第十三条", "ok", "2021-08-20 第十三条"),
    ("第二百条", "no_such_article", "2021-08-20"),
    ("国务院令第492号", "ok", "2019-04-03"),
    ("国务院令第711号", "not_found", ""),
    ("《北京市信息化促进条例》第五条", "repealed", "2007-09-14 第五条"),
    ("《未成年人保护条例》第十条", "ambiguous", ""),
    ("《涧西区法治政府建设实施方案（2022-2025年）（征求意见稿）》", "draft", ""),
    ("《不存在的公司管理办法》第三条", "not_found", ""),
    ("公司法第二百六十六条", "ok", "2023-12-29 第二百六十六条"),
]


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    src = copy_laws(FILES, tmp_path_factory.mktemp("checker") / "laws")
    root = tmp_path_factory.mktemp("checker-index")
    assert build_index([src, SEEDS], root, **INDEX_OPTIONS).errors == []
    index = IndexHolder(root).get()
    yield index
    index.close()


def _shown(c) -> str:
    target = c.current if c.status == "superseded" else c.resolved
    if target is None:
        return ""
    return " ".join(x for x in (target.date, target.article) if x)


def test_every_citation_found_with_its_status(opened):
    report = check_text(opened, DRAFT, day="2026-12-01")
    assert [(c.text, c.status, _shown(c)) for c in report.citations] == EXPECTED
    assert report.counts == {
        "ok": 6,
        "superseded": 2,
        "repealed": 1,
        "no_such_article": 1,
        "not_found": 2,
        "ambiguous": 1,
        "draft": 1,
    }


def test_what_each_problem_says(opened):
    by_text = {c.text: c for c in check_text(opened, DRAFT, day="2026-12-01").citations}
    repealed = by_text["《北京市信息化促进条例》第五条"]
    assert repealed.repealed_by.title == "北京市人民代表大会常务委员会关于废止部分地方性法规的决定"
    assert "北京市信息化促进条例" in (repealed.repealed_by.text or "")
    assert sorted(t.title for t in by_text["《未成年人保护条例》第十条"].candidates) == [
        "上海市未成年人保护条例",
        "北京市未成年人保护条例",
        "浙江省未成年人保护条例",
    ]
    superseded = by_text["《公司法》（2018年修正）第十六条第二款"]
    assert superseded.resolved.text.startswith("第十六条 公司向其他企业投资或者为他人提供担保")
    assert superseded.current.text.startswith("第十五条 公司向其他企业投资或者为他人提供担保")
    assert by_text["第二百条"].note == "《中华人民共和国个人信息保护法》没有第二百条（共74条）"


def test_as_of_a_day_before_the_revision_took_effect(opened):
    # 公司法 2023 was adopted on 2023-12-29 and took effect on 2024-07-01: before that day the 2018 version is the
    # one a citation without a year means, and the 2023 version, cited by its year, is not yet in force.
    text = "《公司法》（2018年修正）第十六条；《中华人民共和国公司法》第十五条；《公司法》（2023年修订）第十五条"
    report = check_text(opened, text, day="2024-03-01")
    assert [(c.status, c.resolved.date, c.note) for c in report.citations] == [
        ("ok", "2018-10-26", "现行有效（2018-10-26）"),
        ("ok", "2018-10-26", "现行有效（2018-10-26）"),
        ("ok", "2023-12-29", "已公布，自2024-07-01起施行"),
    ]


def test_a_law_named_inside_the_name_in_angle_brackets(opened):
    # Official texts write the law inside a title's 《》 in 〈〉; the title holds it in 《》.
    text = "依照《广东省实施〈中华人民共和国消防法〉办法》第五条"
    report = check_text(opened, text, day="2026-12-01")
    assert [(c.text, c.status, _shown(c)) for c in report.citations] == [
        ("《广东省实施〈中华人民共和国消防法〉办法》第五条", "ok", "2022-03-29 第五条")
    ]
    for q in ("广东省实施〈消防法〉办法第5条", "《广东省实施《消防法》办法》第五条"):
        answer = run_search(opened, params_from({"q": q})).answer
        assert (answer.title, answer.article) == ("广东省实施《中华人民共和国消防法》办法", "第五条")
