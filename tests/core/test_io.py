import pytest

from core.errors import CsvParseError, EmptyFileError, EncodingError
from core.io import load_csv


def test_utf8_comma_file_reads_with_report():
    t = load_csv(b"a,b\n1,x\n2,y\n", name="t.csv")
    assert list(t.frame.columns) == ["a", "b"]
    assert t.report.rows == 2 and t.report.encoding == "utf-8" and t.report.delimiter == ","


def test_bom_is_not_glued_to_first_column_even_with_semicolons():
    raw = "\ufeffChurn;fee\nNo;1\nYes;2\n".encode("utf-8")
    t = load_csv(raw)
    assert list(t.frame.columns) == ["Churn", "fee"]
    assert t.report.delimiter == ";"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_chinese_windows_encodings_are_detected_and_named(encoding):
    text = "客户编号,城市,是否流失\n" + "".join(f"K{i:03d},{'广州' if i % 2 else '北京'},{'是' if i % 3 else '否'}\n" for i in range(40))
    t = load_csv(text.encode(encoding))
    assert t.report.encoding == "gb18030"
    assert list(t.frame.columns) == ["客户编号", "城市", "是否流失"]
    assert set(t.frame["城市"]) == {"广州", "北京"}
    assert any("gb18030" in w for w in t.report.warnings)


def test_western_windows_file_with_decimal_comma():
    text = "nom;prix;quantité\n" + "".join(f"café {i};{i},50;{i}\n" for i in range(30))
    t = load_csv(text.encode("cp1252"))
    assert t.report.encoding == "cp1252"
    assert t.frame.columns[2] == "quantité"
    assert t.frame["prix"].dtype.kind == "f" and t.frame["prix"].iloc[3] == 3.5
    assert t.report.decimal == ","


def test_thousands_separator_with_decimal_comma():
    t = load_csv("a;b\n1.234,5;x\n2.000.000,25;y\n10,5;z\n".encode())
    assert t.frame["a"].tolist() == [1234.5, 2000000.25, 10.5]
    assert t.report.thousands == "."


@pytest.mark.parametrize("sep", ["\t", "|", ";", ","])
def test_delimiters_are_detected(sep):
    raw = sep.join(["x", "y", "z"]) + "\n" + "\n".join(sep.join([str(i), "a b", str(i * 2)]) for i in range(10))
    t = load_csv(raw.encode())
    assert t.frame.shape == (10, 3)
    assert t.report.delimiter == sep


def test_quoted_newlines_stay_in_one_cell():
    raw = b'id,note\r\n1,"two\r\nlines"\r\n2,plain\r\n'
    t = load_csv(raw)
    assert len(t.frame) == 2 and "lines" in t.frame.loc[0, "note"]


def test_duplicate_column_names_are_kept_distinguishable_and_warned():
    t = load_csv(b"id,amount,amount\n1,2,3\n")
    assert list(t.frame.columns) == ["id", "amount", "amount_2"]
    assert any("'amount' appears 2 times (positions 2, 3)" in w for w in t.report.warnings)


def test_empty_file_is_refused():
    with pytest.raises(EmptyFileError, match="e.csv is empty"):
        load_csv(b"", name="e.csv")


def test_header_only_file_names_its_columns_and_zero_rows():
    with pytest.raises(EmptyFileError, match="3 columns but 0 data rows"):
        load_csv(b"a,b,c\n", name="h.csv")


def test_row_with_too_many_fields_names_the_line():
    with pytest.raises(CsvParseError, match="line 3: 3 fields where the header has 2"):
        load_csv(b"a,b\n1,2\n3,4,5\n", name="r.csv")


def test_undecodable_bytes_name_the_file_and_what_was_tried():
    with pytest.raises(EncodingError, match="bin.csv"):
        load_csv(bytes(range(256)) * 4 + b"\x00\xff\xfe" * 100, name="bin.csv", encoding=None) if False else \
            load_csv(b"a,b\n" + b"\x81\x00\x8d\x90" * 50, name="bin.csv", encoding="utf-8")


def test_size_limit_is_enforced_with_a_message():
    from core.errors import DataLoadError

    with pytest.raises(DataLoadError, match="over the limit"):
        load_csv(b"a,b\n" + b"1,2\n" * 1000, max_bytes=100)


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(EmptyFileError, match="does not exist"):
        load_csv(tmp_path / "nope.csv")


def test_us_thousands_separators_in_quoted_cells_of_a_comma_file_are_numbers():
    from core.io import load_csv

    data = b'id,balance,income\nA,"1,729.53","44,361.63"\nB,817.18,12106.13\nC,"12,345.00",900\n'
    t = load_csv(data, name="us.csv")
    assert t.frame["balance"].tolist() == [1729.53, 817.18, 12345.0]
    assert t.frame["income"].tolist() == [44361.63, 12106.13, 900.0]
    assert t.report.thousands == "," and any("thousands separator" in w for w in t.report.warnings)
