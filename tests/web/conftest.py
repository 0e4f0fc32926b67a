"""A second small index whose documents cite each other and share a title (versions), built from text written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from search.index import IndexHolder
from web.app import create_app

RELATED_DOCS = {
    "law_2010.txt": """---
title: 中华人民共和国测试管理法
date: 2010-06-01
status: 已修改
level: 法律
---
中华人民共和国测试管理法

第一条 为了规范测试管理工作，制定本法。
第二条 本法自2010年6月1日起施行。
""",
    "law_2020.txt": """---
title: 中华人民共和国测试管理法
date: 2020-12-01
status: 现行有效
level: 法律
---
中华人民共和国测试管理法

第一条 为了规范测试管理工作，保障测试质量，制定本法。
第二条 本法自2021年1月1日起施行。
""",
    "notice.txt": """---
title: 某市人民政府关于贯彻实施测试管理法的通知
doc_number: 某政文〔2021〕5号
date: 2021-03-01
issuer: 某市人民政府
---
某市人民政府关于贯彻实施测试管理法的通知

各区人民政府：
一、总体要求
认真贯彻《测试管理法》和《中华人民共和国测试管理法》，落实《不存在的办法》。
二、工作措施
加强测试管理。
""",
    "followup.txt": """---
title: 某区关于落实测试管理工作的报告
date: 2022-05-01
issuer: 某区人民政府
---
某区关于落实测试管理工作的报告

根据某政文〔2021〕5号文件要求，现将落实情况报告如下。
""",
}


@pytest.fixture(scope="session")
def related_index(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("related") / "related"
    src.mkdir()
    for name, text in RELATED_DOCS.items():
        (src / name).write_text(text, "utf-8")
    root = tmp_path_factory.mktemp("related-index")
    report = build_index([src], root, workers=1, progress=False)
    assert report.errors == [] and report.documents == 4
    return root


@pytest.fixture(scope="session")
def related(related_index):
    """The opened index and its doc ids by file name (law_2010, law_2020, notice, followup)."""
    opened = IndexHolder(related_index).get()
    ids = {m.source.split("/")[-1].removesuffix(".txt"): d for d, m in opened.docs.items()}
    yield opened, ids
    opened.close()


@pytest.fixture()
def related_client(related_index):
    return create_app({"INDEX": str(related_index), "TESTING": True}).test_client()
