"""The benchmark's scaled copies of a corpus, each text file marked with its copy. Nothing here is timed."""

from __future__ import annotations

import codecs

from tools.bench import append_line, changed_copies, scaled_folders
from tools.bench_update import scaled_folders as update_scaled_folders

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
METADATA = '{"path": "a.md", "title": "甲"}\n'


def tiny_folder(tmp_path):
    folder = tmp_path / "laws"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# 甲条例\n\n第一条 为了规范管理，制定本条例。\n", "utf-8")
    (folder / "sub" / "b.txt").write_bytes("乙办法\n\n第一条 本办法自公布之日起施行。".encode("gb18030"))
    (folder / "sub" / "c.pdf").write_bytes(PDF)
    (folder / "metadata.jsonl").write_text(METADATA, "utf-8")
    return folder


def test_a_scaled_copy_marks_each_text_file_with_its_copy_and_copies_the_rest_as_they_are(tmp_path):
    folder = tiny_folder(tmp_path)
    assert scaled_folders([folder], 1, tmp_path / "work") == [folder]
    assert update_scaled_folders is scaled_folders  # bench update copies with the same function
    (out,) = scaled_folders([folder], 3, tmp_path / "work")
    assert out == tmp_path / "work" / "scaled" / "laws"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        f"copy-{k}/{name}" for k in range(3) for name in ("a.md", "metadata.jsonl", "sub/b.txt", "sub/c.pdf")
    ]
    texts = []
    for k in range(3):
        copy = out / f"copy-{k}"
        md = (copy / "a.md").read_text("utf-8")
        assert md == f"# 甲条例\n\n第一条 为了规范管理，制定本条例。\n\n\n副本 copy-{k}\n"
        txt = (copy / "sub" / "b.txt").read_bytes().decode("gb18030")
        assert txt == f"乙办法\n\n第一条 本办法自公布之日起施行。\n\n副本 copy-{k}\n"
        texts += [md, txt]
        assert (copy / "sub" / "c.pdf").read_bytes() == PDF
        assert (copy / "metadata.jsonl").read_text("utf-8") == METADATA
    assert len(set(texts)) == 6


def test_a_line_is_appended_in_the_files_own_encoding(tmp_path):
    bom16 = tmp_path / "u16.txt"
    bom16.write_bytes(codecs.BOM_UTF16_LE + "丙规定\n".encode("utf-16-le"))
    assert append_line(bom16, "副本 copy-1\n")
    assert bom16.read_bytes() == codecs.BOM_UTF16_LE + "丙规定\n副本 copy-1\n".encode("utf-16-le")
    bom8 = tmp_path / "u8.md"
    bom8.write_bytes(codecs.BOM_UTF8 + "丁\n".encode())
    assert append_line(bom8, "副本 copy-2\n")
    assert bom8.read_bytes() == codecs.BOM_UTF8 + "丁\n副本 copy-2\n".encode()
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02\x03\xff\xfe\x00")
    assert not append_line(binary, "副本 copy-3\n")
    assert binary.read_bytes() == b"\x00\x01\x02\x03\xff\xfe\x00"


def test_the_changed_copies_are_appended_to_in_their_encoding(tmp_path):
    folder = tiny_folder(tmp_path)
    _, touched = changed_copies([folder], tmp_path / "src", share=1.0)
    assert [p.relative_to(tmp_path / "src").as_posix() for p in touched] == ["laws/a.md", "laws/sub/b.txt"]
    assert (
        (tmp_path / "src" / "laws" / "sub" / "b.txt")
        .read_bytes()
        .decode("gb18030")
        .endswith("施行。\n\n本文件末尾的这一句为性能基准测试所追加。\n")
    )
