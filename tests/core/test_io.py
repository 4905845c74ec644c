import io

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


def test_a_non_utf8_byte_past_the_head_is_detected_on_a_second_pass(tmp_path):
    import core.io as cio

    path = tmp_path / "late.csv"
    body = "".join(f"{i},plain text {i}\n" for i in range((cio.HEAD_BYTES // 18) + 5000))
    path.write_bytes(("id,note\n" + body + "99,café crème\n").encode("cp1252"))
    t = load_csv(path)
    assert t.report.encoding == "cp1252"
    assert t.frame["note"].iloc[-1] == "café crème"
    assert any("detected again" in w for w in t.report.warnings)


def test_a_word_far_down_a_numeric_column_makes_the_whole_column_text_as_in_one_pass():
    import pandas as pd

    raw = "x,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(200_000)) + "oops,1.0\n"
    t = load_csv(raw.encode())
    whole = pd.read_csv(io.BytesIO(raw.encode()), low_memory=False)
    assert t.frame["x"].tolist()[-1] == "oops" and t.frame["x"].iloc[0] == "0"
    assert t.frame.equals(whole)


def test_a_header_longer_than_the_head_is_read_whole(monkeypatch):
    import core.io as cio

    monkeypatch.setattr(cio, "HEAD_BYTES", 64)
    names = [f"a_rather_long_column_name_{i}" for i in range(40)]
    t = load_csv((",".join(names) + "\n" + ",".join("1" for _ in names) + "\n").encode())
    assert list(t.frame.columns) == names


def test_a_path_is_parsed_like_its_bytes(tmp_path):
    raw = "a;b;c\n" + "".join(f"{i};{i},5;x{i}\n" for i in range(1000))
    path = tmp_path / "same.csv"
    path.write_bytes(raw.encode("utf-8"))
    from_path, from_bytes = load_csv(path), load_csv(raw.encode("utf-8"))
    assert from_path.frame.equals(from_bytes.frame)
    assert from_path.report.to_dict() | {"source": ""} == from_bytes.report.to_dict() | {"source": ""}


# --- Encodings: each file must come back as the text that was written (issue 5) -----------

ENCODED_FILES = {
    "portuguese latin-1": ("cidade;nome;prato\nSão Paulo;Müller;café\nLisboa;João;pão de açúcar\n"
                           "Coimbra;Conceição;feijão\nÉvora;Inês;maçã\n", "latin-1", "cp1252"),
    "german latin-1": ("Stadt;Name;Straße\nMünchen;Müller;Hauptstraße 5\nKöln;Jörg Schäfer;Königsallee\n"
                       "Düsseldorf;Björn Weiß;Grüner Weg\n", "latin-1", "cp1252"),
    "french latin-1": ("ville;nom;plat\nGenève;Hélène;crème brûlée\nQuébec;François;pâté\n"
                       "Orléans;Zoë;gâteau\n", "latin-1", "cp1252"),
    "spanish latin-1": ("ciudad;nombre;comida\nMálaga;Muñoz;paella\nCórdoba;Íñigo;jamón ibérico\n"
                        "Logroño;José;señor\n", "latin-1", "cp1252"),
    "polish cp1250": ("miasto;imię\nŁódź;Łukasz\nKraków;Małgorzata\nGdańsk;Paweł Żółć\n"
                      "Wrocław;Zażółć gęślą jaźń\n", "cp1250", "cp1250"),
    "czech cp1250": ("město;věta\nPraha;Příliš žluťoučký kůň\nBrno;úpěl ďábelské ódy\n"
                     "České Budějovice;Řehoř\n", "cp1250", "cp1250"),
    "russian cp1251": ("город;имя\nМосква;Иван Петров\nСанкт-Петербург;Мария Иванова\n"
                       "Новосибирск;Сергей\n", "cp1251", "cp1251"),
    "chinese gbk": ("城市,客户,是否流失\n广州,王小明,是\n北京,李华,否\n上海,张伟,否\n", "gbk", "gb18030"),
    "japanese shift-jis": ("名前,都市,値段\n田中太郎,東京,100\n鈴木花子,大阪,200\n佐藤一郎,名古屋,300\n",
                           "shift_jis", "cp932"),
    "utf-8": ("ville;prix\nGenève;3,5\nSão Paulo;2\n東京;1\n", "utf-8", "utf-8"),
    "utf-8 with bom": ("ville;prix\nGenève;3,5\nSão Paulo;2\n東京;1\n", "utf-8-sig", "utf-8-sig"),
    "utf-16 with bom": ("ville;prix\nGenève;3,5\nSão Paulo;2\n東京;1\n", "utf-16", "utf-16"),
}


@pytest.mark.parametrize("label", list(ENCODED_FILES))
def test_each_encoding_is_decoded_as_written(label):
    text, written, reported = ENCODED_FILES[label]
    t = load_csv(text.encode(written), name=f"{label}.csv")
    sep = ";" if ";" in text.splitlines()[0] else ","
    expected = [line.split(sep) for line in text.strip().splitlines()]
    assert list(t.frame.columns) == expected[0]
    assert t.frame.astype(str).values.tolist()[0][0] == expected[1][0]
    assert t.frame.iloc[:, 0].tolist() == [row[0] for row in expected[1:]]
    assert t.report.encoding == reported
    if reported not in ("utf-8", "utf-8-sig", "utf-16"):
        assert any(f"read as {reported} (detected)" in w for w in t.report.warnings)


def test_a_western_file_is_not_read_as_central_european():
    # "São" must not become "Săo": cp1250 decodes these bytes too, cp1252 wins the tie.
    t = load_csv("cidade;nome;prato\nSão Paulo;Müller;café\n".encode("latin-1"))
    assert t.frame.iloc[0].tolist() == ["São Paulo", "Müller", "café"]
    assert t.report.to_dict()["encoding"] == "cp1252"


def test_the_encoding_can_still_be_chosen_by_hand():
    raw = "cidade;nome\nSão Paulo;Müller\n".encode("latin-1")
    t = load_csv(raw, encoding="cp1250")
    assert t.frame.iloc[0, 0] == "Săo Paulo" and t.report.encoding == "cp1250"


def test_hungarian_and_russian_short_files_are_not_read_as_east_asian():
    hu = load_csv("varos;nev\nGyőr;Szűcs Ödön\nBudapest;Bőröndi\n".encode("cp1250"))
    assert hu.frame["nev"].tolist() == ["Szűcs Ödön", "Bőröndi"] and hu.report.encoding == "cp1250"
    ru = load_csv("город;имя\nМосква;Иван Петров\nНовосибирск;Сергей\n".encode("koi8_r"))
    assert ru.frame["город"].tolist() == ["Москва", "Новосибирск"] and ru.report.encoding == "koi8_r"


# --- Limits from MODELOPS_* (issue 5) -----------------------------------------------------

def test_file_over_the_upload_limit_names_the_variable(monkeypatch):
    from core.errors import DataLoadError

    monkeypatch.setenv("MODELOPS_MAX_UPLOAD_MB", "1")
    with pytest.raises(DataLoadError, match=r"big.csv is 1.2 MB, over the limit of 1 MB.*MODELOPS_MAX_UPLOAD_MB"):
        load_csv(b"a,b\n" + b"1,2\n" * 300_000, name="big.csv")


def test_explicit_max_bytes_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("MODELOPS_MAX_UPLOAD_MB", "1")
    t = load_csv(b"a,b\n" + b"1,2\n" * 300_000, max_bytes=2_000_000)
    assert t.report.rows == 300_000


def test_too_many_columns_is_refused_from_the_header_before_the_body(monkeypatch):
    from core.errors import DataLoadError

    monkeypatch.setenv("MODELOPS_MAX_COLUMNS", "3")
    # The body is broken (a row with too many fields): refusing on the header never reaches it.
    with pytest.raises(DataLoadError, match=r"wide.csv has 5 columns, over the limit of 3 columns "
                                            r"\(MODELOPS_MAX_COLUMNS\)"):
        load_csv(b"a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5,6,7\n", name="wide.csv")
    assert load_csv(b"a,b,c\n1,2,3\n").report.columns == 3


def test_a_header_wider_than_the_head_is_refused_without_reading_on(monkeypatch):
    import core.io as cio
    from core.errors import DataLoadError

    monkeypatch.setattr(cio, "HEAD_BYTES", 64)
    monkeypatch.setenv("MODELOPS_MAX_COLUMNS", "20")
    header = ",".join(f"c{i}" for i in range(5000))
    with pytest.raises(DataLoadError, match="more than 20 columns|MODELOPS_MAX_COLUMNS"):
        load_csv((header + "\n" + ",".join("1" for _ in range(5000)) + "\n").encode())


def test_too_many_rows_stops_early_and_suggests_a_sample(monkeypatch, tmp_path):
    from core.errors import DataLoadError

    monkeypatch.setenv("MODELOPS_MAX_ROWS", "10")
    ok = b"a,b\n" + b"1,2\n" * 10
    assert load_csv(ok).report.rows == 10
    # Line 40 is broken: parsing stops one row past the limit, so it is never reached.
    raw = b"a,b\n" + b"1,2\n" * 30 + b"1,2,3,4\n" + b"1,2\n" * 30
    for source in (raw, tmp_path / "long.csv"):
        if not isinstance(source, bytes):
            source.write_bytes(raw)
        with pytest.raises(DataLoadError, match=r"more than 10 data rows, over the limit of 10 rows "
                                                r"\(MODELOPS_MAX_ROWS\).*sample"):
            load_csv(source, name="long.csv")


def test_a_column_left_mixed_by_chunked_typing_is_read_again_whole(monkeypatch):
    # pandas 3.1 reconciles chunks itself; older pandas leaves floats and words in one column.
    import pandas as pd

    import core.io as cio

    real, calls = pd.read_csv, []

    def chunked(*args, **kwargs):
        calls.append(kwargs["low_memory"])
        frame = real(*args, **kwargs)
        if kwargs["low_memory"]:
            frame["b"] = pd.Series([2.0, "x"], dtype=object)
        return frame

    monkeypatch.setattr(cio.pd, "read_csv", chunked)
    t = load_csv(b"a,b\n1,2\n3,x\n")
    assert calls == [True, False] and t.frame["b"].tolist() == ["2", "x"]


def test_a_short_legacy_file_without_zero_bytes_is_never_read_as_utf16():
    """The detector proposes UTF-16 for some short Chinese files; a CSV in UTF-16 always holds zero
    bytes (its commas and line ends), so without any that reading is refused for the whole kind."""
    raw = "客户,备注\n张伟,ü\n李娜,é\n".encode("gb18030")
    assert b"\x00" not in raw
    try:
        loaded = load_csv(raw, name="short.csv")
    except EncodingError:
        return
    assert not loaded.report.encoding.startswith("utf-16") and len(loaded.frame) == 2


def test_gb18030_four_byte_letters_fall_back_when_the_detector_gives_up():
    from charset_normalizer import from_bytes

    text = "名字,城市\nNoël,Zoë\nAçaí,广州\nNoël,café\n广州,Noël\n客户,José\n"
    raw = text.encode("gb18030")
    assert from_bytes(raw).best() is None  # the detector gives up on this file
    loaded = load_csv(raw, name="cities.csv")
    assert loaded.report.encoding == "gb18030" and "unsure" in loaded.report.warnings[0]
    assert loaded.frame["城市"].tolist() == ["Zoë", "广州", "café", "Noël", "José"]
    # And binary junk that decodes as nothing natural is still refused.
    with pytest.raises(EncodingError):
        load_csv(bytes(range(128, 256)) * 4, name="junk.csv")


def test_a_pipe_is_read_once_and_parsed_whole(tmp_path):
    """A FIFO (or /dev/stdin) cannot be reopened for parsing after detection read its head."""
    import os
    import threading

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    text = "a;b\n" + "".join(f"{i};{i},5\n" for i in range(1000))
    writer = threading.Thread(target=lambda: fifo.write_text(text))
    writer.start()
    loaded = load_csv(fifo)
    writer.join()
    assert len(loaded.frame) == 1000 and loaded.frame["b"].iloc[3] == 3.5


def test_header_shorter_than_rows_is_refused_not_turned_into_an_index():
    raw = b"name,age,income,churn\n1,Dan,70,29881.7,A,no\n2,Bob,57,28977.2,C,no\n"
    with pytest.raises(CsvParseError, match="header has 4 names but line 2 has 6 fields"):
        load_csv(raw, name="short.csv")


def test_delimiter_at_the_end_of_each_data_row_only_adds_an_empty_column():
    t = load_csv(b"a,b\n1,2,\n3,4,\n")
    assert list(t.frame.columns) == ["a", "b", "column_3"]
    assert t.frame["a"].tolist() == [1, 3] and t.frame["column_3"].isna().all()


@pytest.mark.parametrize("sep", [";", "\t", "|", ","])
def test_excel_sep_line_names_the_delimiter_and_is_skipped(sep):
    import pandas as pd

    df = pd.DataFrame({"id": [1, 2, 3], "name": ["a b", "c", "d"], "x": [1.5, 2.5, 3.5]})
    raw = (f"sep={sep}\n" + df.to_csv(sep=sep, index=False)).encode("utf-8")
    t = load_csv(raw)
    assert list(t.frame.columns) == ["id", "name", "x"] and t.report.delimiter == sep
    assert t.frame["x"].tolist() == [1.5, 2.5, 3.5]
    assert any("sep=" in w and "skipped" in w for w in t.report.warnings)


def test_excel_sep_line_counts_in_line_numbers():
    with pytest.raises(CsvParseError, match="line 3 has 3 fields"):
        load_csv(b"sep=;\na;b\n1;2;3\n")


@pytest.mark.parametrize("raw, what", [
    (b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 50, "Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "old Excel"),
    (b"\x1f\x8b\x08\x00" + bytes(range(200)), "gzip"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    (b"\x00" * 4096, "zero \\(NUL\\) bytes"),
    (b'[{"id": 1, "name": "Dan"}, {"id": 2, "name": "Bob"}]', "is JSON"),
    (b'  {"rows": [1, 2, 3]}\n', "is JSON"),
    (b'{"id": 1}\n{"id": 2}\n', "is JSON"),
])
def test_files_that_are_not_csv_say_what_they_are(raw, what):
    with pytest.raises(CsvParseError, match=what):
        load_csv(raw, name="x.csv")


def test_utf16_without_bom_is_not_mistaken_for_nul_bytes():
    text = "id,name\n" + "".join(f"{i},Dan{i}\n" for i in range(50))
    t = load_csv(text.encode("utf-16-le"))
    assert list(t.frame.columns) == ["id", "name"]


def test_title_lines_above_the_table_are_skipped_with_a_warning():
    body = "id,name,age\n" + "".join(f"{i},n{i},{20 + i}\n" for i in range(10))
    t = load_csv(("Customer report\nGenerated 2024-05-01 by CRM\n\n" + body).encode())
    assert list(t.frame.columns) == ["id", "name", "age"] and len(t.frame) == 10
    assert any("title" in w and "Customer report" in w for w in t.report.warnings)


def test_a_one_name_header_over_wider_rows_is_not_taken_for_a_title():
    with pytest.raises(CsvParseError, match="header has 1 names but line 2 has 2 fields"):
        load_csv(b"name\n1,Dan\n2,Bob\n3,Al\n")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_as_utf16_not_as_utf8_with_nul_characters(codec):
    t = load_csv("id,name\n1,Dan\n2,Bob\n".encode(codec))
    assert list(t.frame.columns) == ["id", "name"] and t.frame["name"].tolist() == ["Dan", "Bob"]


_CJK_TABLES = {
    "ja": (["顧客番号", "氏名", "都市", "会員区分"],
           ["田中", "鈴木", "佐藤", "高橋", "渡辺", "伊藤", "山本", "中村", "小林", "加藤"],
           ["東京", "大阪", "名古屋", "札幌", "福岡", "横浜", "京都", "広島"],
           ["会員", "一般", "プレミアム", "ゴールド", "ｶﾀｶﾅ", "はい", "いいえ"]),
    "zh": (["客户编号", "姓名", "城市", "会员等级"],
           ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴芳"],
           ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安"],
           ["普通", "黄金", "白金", "钻石", "新客户", "老客户"]),
    "tw": (["客戶編號", "姓名", "城市", "會員等級"],
           ["陳志明", "林淑芬", "黃建國", "張雅婷", "李家豪", "王美玲", "吳宗翰", "劉怡君"],
           ["臺北", "新北", "桃園", "臺中", "臺南", "高雄", "基隆", "新竹"],
           ["一般會員", "黃金會員", "白金會員", "鑽石會員", "新客戶", "舊客戶"]),
    "ko": (["고객번호", "이름", "도시", "회원등급"],
           ["김민준", "이서연", "박지훈", "최수빈", "정우진", "강지민", "조현우", "윤서준"],
           ["서울", "부산", "인천", "대구", "대전", "광주", "울산", "수원"],
           ["일반", "골드", "실버", "플래티넘", "신규", "기존"]),
}


def _cjk_csv(lang: str, rows: int) -> str:
    header, names, cities, grades = _CJK_TABLES[lang]
    lines = [",".join(header)] + [
        f"{i + 1},{names[i * 7 % len(names)]},{cities[i * 3 % len(cities)]},{grades[i * 5 % len(grades)]}"
        for i in range(rows)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("rows", [3, 10, 300])
@pytest.mark.parametrize("lang, codec, expected", [
    ("ja", "shift_jis", {"cp932", "shift_jis"}), ("ja", "cp932", {"cp932", "shift_jis"}),
    ("zh", "gbk", {"gb18030"}), ("tw", "big5", {"big5", "cp950", "big5hkscs"}),
    ("ko", "euc_kr", {"euc_kr", "cp949"}),
])
def test_east_asian_files_read_in_their_own_encoding(lang, codec, expected, rows):
    text = _cjk_csv(lang, rows)
    t = load_csv(text.encode(codec))
    assert t.report.encoding in expected
    assert list(t.frame.columns) == _CJK_TABLES[lang][0]
    assert t.frame.iloc[:, 1].tolist() == [line.split(",")[1] for line in text.splitlines()[1:]]


def test_shift_jis_japanese_names_are_not_read_as_chinese():
    t = load_csv("id,name,age\n1,田中,30\n2,鈴木,41\n3,佐藤,25\n4,ｶﾀｶﾅ,33\n".encode("shift_jis"))
    assert t.frame["name"].tolist() == ["田中", "鈴木", "佐藤", "ｶﾀｶﾅ"]


def test_a_file_mixing_utf8_and_cp1252_rows_is_read_line_by_line_with_a_warning():
    names = ["Hélène", "Conceição", "Müller", "Straße", "João"]
    utf8 = "id,name\n" + "".join(f"{i},{names[i % 5]}\n" for i in range(20))
    legacy = "".join(f"{i},{names[i % 5]}\n" for i in range(20, 40))
    t = load_csv(utf8.encode("utf-8") + legacy.encode("cp1252"))
    assert t.frame["name"].tolist() == [names[i % 5] for i in range(40)]
    assert any("mixes encodings" in w and "line 22" in w for w in t.report.warnings)


def test_a_file_mixing_encodings_beyond_the_head_is_read_line_by_line(monkeypatch):
    import core.io

    monkeypatch.setattr(core.io, "HEAD_BYTES", 1000)
    monkeypatch.setattr(core.io, "SAMPLE_BYTES", 800)
    utf8 = "id,name\n" + "".join(f"{i},Conceição\n" for i in range(200))
    legacy = "".join(f"{i},Hélène\n" for i in range(200, 260))
    t = load_csv(utf8.encode("utf-8") + legacy.encode("cp1252"))
    assert set(t.frame["name"]) == {"Conceição", "Hélène"}
    assert any("mixes encodings" in w and "line 202" in w for w in t.report.warnings)


@pytest.mark.parametrize("text", [
    "1,Dan,70,29881.7,A,no\n2,Bob,57,28977.2,C,no\n3,Eve,49,57540.24,B,yes\n4,Dan,33,41000.5,A,yes\n",
    "0.5,1.25,3\n0.7,1.5,4\n0.9,1.75,5\n",
])
def test_a_first_row_of_data_instead_of_names_is_pointed_out(text):
    t = load_csv(text.encode())
    assert any("looks like data" in w and "add one" in w for w in t.report.warnings)


@pytest.mark.parametrize("text", [
    "country,2019,2020\nFrance,1.5,2.5\nSpain,1.7,2.1\nItaly,1.1,0.9\n",
    "2019,2020\n1.5,2.5\n1.7,2.1\n1.1,0.9\n",
    "id,name,age\n1,Dan,70\n2,Bob,57\n3,Eve,49\n",
    "name,flag\nDan,no\nBob,yes\nname,no\n",
])
def test_ordinary_headers_are_not_taken_for_data(text):
    t = load_csv(text.encode())
    assert not any("looks like data" in w for w in t.report.warnings)


def test_sample_data_and_shared_cases_do_not_look_headerless():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = sorted(root.glob("sample_data/*.csv")) + sorted(root.glob("tests/cases/shared/*/*.csv"))
    assert files
    for path in files:
        try:
            t = load_csv(path)
        except Exception:  # the shared cases include files that are meant to be refused
            continue
        assert not any("looks like data" in w for w in t.report.warnings), path


def test_currency_and_percent_numbers_are_read_as_numbers_naming_the_column():
    raw = ('id;spend;rate;price\n1;"$1,200";12%;"€1.200,50"\n2;$35;7.5%;€3,25\n'
           '3;($40);100%;€10\n').encode()
    t = load_csv(raw)
    assert t.frame["spend"].tolist() == [1200.0, 35.0, -40.0]
    assert t.frame["rate"].tolist() == [12.0, 7.5, 100.0]
    assert t.frame["price"].tolist() == [1200.5, 3.25, 10.0]
    for column in ("spend", "rate", "price"):
        assert any(f"'{column}'" in w for w in t.report.warnings)


def test_a_column_mixing_1234_56_styles_is_read_as_numbers_and_said():
    raw = b"id;income\n1;29,881.70\n2;28.977,20\n3;1.234,5\n"
    t = load_csv(raw)
    assert t.frame["income"].tolist() == [29881.7, 28977.2, 1234.5]
    assert any("'income'" in w and "styles" in w for w in t.report.warnings)


def test_text_that_only_resembles_numbers_stays_text():
    t = load_csv(b"code,version\n$A1,1.2.3\n$B2,2.0.1\n$C3,1,2,3\n".replace(b"1,2,3", b'"1,2,3"'))
    assert t.frame["version"].dtype.kind not in "fi" and t.frame["code"].dtype.kind not in "fi"


def test_thousands_warning_names_a_column_that_stays_text():
    t = load_csv(b"id;v;w\n1;1,234.5;2\n2;2,345.5;3\n3;abc;4\n4;9,999.1;5\n5;def;6\n6;3,456.7;1\n")
    note = next(w for w in t.report.warnings if "thousands separator" in w)
    assert "Column 'v'" in note and "stays text" in note
