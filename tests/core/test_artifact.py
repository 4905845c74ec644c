import joblib
import pytest

from core.artifact import build_metadata, load_artifact, read_metadata, save_artifact
from core.errors import ArtifactError, UntrustedArtifactError
from core.evaluate import evaluate_training
from core.train import SearchConfig, train


@pytest.fixture
def saved(loans, tmp_path):
    r = train(loans, "default", search=SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1))
    ev = evaluate_training(r)
    return save_artifact(tmp_path / "m.joblib", r.best.pipeline, build_metadata(r, ev)), r


def test_metadata_records_schema_versions_and_fingerprint(saved):
    path, r = saved
    meta = read_metadata(path)
    assert meta["target"] == "default" and meta["classes"] == ["no", "yes"]
    assert [f["name"] for f in meta["features"]] == r.plan.columns
    purpose = next(f for f in meta["features"] if f["name"] == "purpose")
    assert purpose["kind"] == "categorical" and "car" in purpose["categories"]
    assert {"python", "scikit-learn", "modelops-studio"} <= set(meta["versions"])
    assert meta["training_data"]["rows"] == r.clean.rows_out and len(meta["training_data"]["sha256"]) == 64


def test_plain_joblib_load_still_works(saved):
    obj = joblib.load(saved[0])
    assert hasattr(obj["pipeline"], "predict")


def test_flipped_byte_is_refused(saved):
    path = saved[0]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 3] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(ArtifactError, match="damaged"):
        load_artifact(path)


def test_other_installation_key_needs_trust(saved, monkeypatch):
    monkeypatch.setenv("MODELOPS_SECRET_KEY", "another-installation")
    with pytest.raises(UntrustedArtifactError, match="not signed by this installation"):
        load_artifact(saved[0])
    art = load_artifact(saved[0], trust=True)
    assert not art.signed and any("trust" in w for w in art.warnings)


def test_version_mismatch_names_both_versions(saved, monkeypatch):
    import sklearn

    monkeypatch.setattr(sklearn, "__version__", "9.9.9")
    art = load_artifact(saved[0])
    assert any("9.9.9" in w and "saved with scikit-learn" in w for w in art.warnings)


def test_foreign_pickle_needs_trust(tmp_path, saved):
    path = tmp_path / "bare.joblib"
    joblib.dump(saved[1].best.pipeline, path)
    with pytest.raises(UntrustedArtifactError, match="not a ModelOps Studio artifact"):
        load_artifact(path)
    assert load_artifact(path, trust=True).metadata["foreign"] is True


def test_save_is_atomic_and_leaves_no_temp_files(saved):
    path = saved[0]
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_not_a_model_file(tmp_path):
    p = tmp_path / "x.joblib"
    p.write_bytes(b"hello")
    with pytest.raises(ArtifactError, match="not a ModelOps Studio artifact"):
        load_artifact(p)


@pytest.mark.parametrize("damage", ["flip_last_byte", "cut_tail", "cut_half"])
def test_a_damaged_end_is_called_damaged_not_foreign(saved, damage):
    path = saved[0]
    raw = bytearray(path.read_bytes())
    if damage == "flip_last_byte":
        raw[-2] ^= 0x01
    elif damage == "cut_tail":
        raw = raw[:-20]
    else:
        raw = raw[: len(raw) // 2]
    path.write_bytes(bytes(raw))
    for trust in (False, True):
        with pytest.raises(ArtifactError, match="damaged"):
            load_artifact(path, trust=trust)


def test_key_lives_in_the_users_folder_when_no_store_is_set(tmp_path, monkeypatch):
    from core.artifact import key_folder, signing_key

    monkeypatch.delenv("MODELOPS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert key_folder() == tmp_path / "user" / ".modelops"
    monkeypatch.chdir(tmp_path)
    assert signing_key() == (tmp_path / "user" / ".modelops" / "secret.key").read_bytes().strip()
    assert not (tmp_path / "modelops_home").exists()
    assert key_folder(tmp_path / "store") == tmp_path / "store"


def test_a_text_file_is_called_not_a_model_file_without_python_internals(tmp_path):
    path = tmp_path / "notes.joblib"
    path.write_text("hello, this is not a model\n")
    with pytest.raises(ArtifactError) as refused:
        load_artifact(path, trust=True)
    message = str(refused.value)
    assert "is not a model file" in message and "Error" not in message


def test_a_bare_pickle_from_this_version_does_not_claim_a_version_difference(tmp_path, saved):
    import sklearn

    path = tmp_path / "bare.joblib"
    joblib.dump(saved[1].best.pipeline, path)
    with pytest.raises(UntrustedArtifactError) as refused:
        load_artifact(path)
    assert "bare scikit-learn object" in str(refused.value)
    assert f"saved with scikit-learn {sklearn.__version__}" not in str(refused.value)
