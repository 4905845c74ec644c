"""Shared fixtures: small seeded tables, the real sample data and the shared real-world cases."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = ROOT / "sample_data"


def shared_cases_dir() -> Path | None:
    """The real-world cases folder: $SHARED_CASES, else ../shared/cases beside the checkout (the
    live set, which may have grown), else the copy kept in tests/cases/shared so that a clone on a
    machine without the shared folder still runs every case."""
    env = os.environ.get("SHARED_CASES")
    for candidate in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "cases",
                                                     ROOT / "tests" / "cases" / "shared"]:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture
def cases_dir() -> Path:
    found = shared_cases_dir()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the shared cases, but ../shared/cases was not found")
        pytest.skip("../shared/cases is not beside this checkout")
    return found


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own store folder (and so its own signing key)."""
    home = tmp_path / "home"
    monkeypatch.setenv("MODELOPS_HOME", str(home))
    monkeypatch.delenv("MODELOPS_SECRET_KEY", raising=False)
    monkeypatch.setenv("MODELOPS_N_JOBS", "1")
    monkeypatch.setenv("MODELOPS_DEBUG", "1")  # the app re-raises bugs after logging, so AppTest sees them
    return home


@pytest.fixture
def loans() -> pd.DataFrame:
    """A small seeded loan table: numbers with gaps, categories, an id and a binary target."""
    rng = np.random.default_rng(0)
    n = 240
    income = rng.normal(50_000, 15_000, n).round(0)
    amount = rng.normal(15_000, 5_000, n).round(0)
    purpose = rng.choice(["car", "home", "education", "medical"], n, p=[0.4, 0.3, 0.2, 0.1])
    region = rng.choice(["north", "south", "east"], n)
    years = rng.integers(0, 30, n).astype(float)
    logit = (amount / income) * 6 - 2 + (purpose == "medical") * 1.5 - years * 0.03
    default = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    years[rng.choice(n, 20, replace=False)] = np.nan
    return pd.DataFrame({
        "loan_id": [f"L{i:04d}" for i in range(n)], "income": income, "amount": amount,
        "purpose": purpose, "region": region, "years_employed": years, "default": default,
    })


@pytest.fixture
def demand() -> pd.DataFrame:
    """A small seeded regression table (demand by temperature, weekday and promo)."""
    rng = np.random.default_rng(1)
    n = 200
    temp = rng.uniform(-5, 30, n)
    weekday = rng.choice(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], n)
    promo = rng.choice(["yes", "no"], n)
    units = 50 + 3 * temp + (weekday == "sat") * 20 + (promo == "yes") * 15 + rng.normal(0, 5, n)
    return pd.DataFrame({"temp": temp, "weekday": weekday, "promo": promo, "units": units})


@pytest.fixture
def loan_model(loans, tmp_path) -> Path:
    """A small signed loan model saved with its reference sample and holdout predictions."""
    from core.artifact import save_trained_model
    from core.evaluate import evaluate_training
    from core.train import SearchConfig, train

    result = train(loans, "default", search=SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1))
    return save_trained_model(tmp_path / "loans.joblib", result, evaluate_training(result, importance_repeats=1),
                              model_name="loans")


@pytest.fixture
def demand_model(demand, tmp_path) -> Path:
    """A small signed regression model (units by temperature, weekday and promo)."""
    from core.artifact import save_trained_model
    from core.evaluate import evaluate_training
    from core.train import SearchConfig, train

    result = train(demand, "units", search=SearchConfig(models=["ridge"], cv=3, n_jobs=1))
    return save_trained_model(tmp_path / "demand.joblib", result, evaluate_training(result, importance_repeats=1),
                              model_name="demand")
