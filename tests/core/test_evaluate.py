import numpy as np
import pytest
from sklearn import metrics as skm

from core.evaluate import evaluate_training
from core.train import SearchConfig, train


@pytest.fixture
def trained(loans):
    return train(loans, "default", search=SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1))


def test_classification_metrics_match_sklearn(trained):
    ev = evaluate_training(trained)
    best = ev.best
    y, pred = trained.y_test, best.predictions
    assert best.metrics["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    pos = trained.best.pipeline.classes_[1]
    assert best.metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(y == pos, best.probabilities[:, 1]))
    cm = np.array(best.confusion["matrix"])
    assert cm.sum() == len(y) and np.trace(cm) == (y == pred).sum()
    assert set(best.roc) == {"yes"} and best.roc["yes"]["fpr"][0] == 0.0


def test_baseline_comparison_and_importances(trained):
    ev = evaluate_training(trained)
    cmp = ev.baseline_comparison().set_index("metric")
    assert cmp.loc["balanced_accuracy", "baseline"] == pytest.approx(0.5)
    assert set(ev.importances["feature"]) == set(trained.plan.columns)


def test_multiclass_uses_one_vs_rest(loans):
    r = train(loans, "purpose", search=SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1))
    ev = evaluate_training(r)
    assert "roc_auc_ovr" in ev.best.metrics and len(ev.best.roc) == len(r.classes)
