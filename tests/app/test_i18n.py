"""Every language file has every message id, and every id the pages use exists."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "ui" / "i18n"
DYNAMIC = {"prep.opt.": ["median", "mean", "most_frequent", "constant", "drop_rows", "none", "iqr", "quantile",
                         "onehot", "ordinal", "standard", "minmax", "robust", "kbest", "rfe"],
           "task.": ["auto", "classification", "regression"], "train.strategy.": ["grid", "random", "halving"],
           "data.sample.": ["credit", "bikeshare"],
           "kind.": ["numeric", "categorical", "boolean", "datetime", "text", "id", "constant", "empty"],
           "role.": ["feature", "drop", "target"], "severity.": ["critical", "warning", "info"],
           "duration.": ["few_seconds", "seconds", "minutes", "hours"]}


def tables():
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in FOLDER.glob("*.json")}


def used_keys():
    keys = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\(\s*[\"']([a-z_]+\.[a-z_.]+)[\"']", text))
        keys |= set(re.findall(r"\"(nav\.[a-z_]+)\"", text))
    for prefix, names in DYNAMIC.items():
        keys |= {prefix + n for n in names}
    return keys


def test_both_languages_exist_and_have_the_same_keys():
    t = tables()
    assert {"en", "zh"} <= set(t)
    for lang, table in t.items():
        assert set(table) == set(t["en"]), (lang, set(t["en"]) ^ set(table))


def test_every_key_used_in_the_pages_is_translated():
    missing = used_keys() - set(tables()["en"])
    assert not missing, missing


def test_placeholders_agree_across_languages():
    t = tables()
    for key, text in t["en"].items():
        names = set(re.findall(r"{(\w+)", text))
        for lang, table in t.items():
            assert set(re.findall(r"{(\w+)", table[key])) == names, (lang, key)
