"""Train: choose models and the search, watch progress, read the leaderboard."""

import json
import time

import streamlit as st

from core import charts
from core.config import Limits, limits
from core.errors import ConfigError
from core.estimate import duration_parts
from core.evaluate import evaluate_training
from core.models import models_for
from core.prep import PrepConfig
from core.train import SearchConfig, plan_fits, train
from ui import cache, state
from ui.i18n import t
from ui.widgets import needs, safely

SCORINGS = {"classification": ["balanced_accuracy", "accuracy", "f1_macro", "roc_auc", "log_loss"],
            "regression": ["r2", "rmse", "mae"]}

st.title(t("train.title"))
ds = state.dataset()
needs(ds is not None and state.get(state.TARGET), "train.need_data", "pages/1_Data.py", "nav.data")
target, task = state.get(state.TARGET), state.get(state.TASK, "auto")
prof = safely(cache.profile, ds.frame, ds.digest, target)
if prof is None:
    st.stop()
resolved = prof.task.task if task == "auto" else task
n_classes = len(prof.task.classes) if resolved == "classification" else 1
prep: PrepConfig = state.get(state.PREP) or PrepConfig()
saved: SearchConfig = state.get(state.SEARCH) or SearchConfig()
catalog = [m for m in models_for(resolved) if not m.baseline]
labels = {m.name: m.label for m in catalog}

left, right = st.columns([2, 1])
with left:
    default_models = [m for m in (saved.models or [m.name for m in catalog if m.default]) if m in labels]
    chosen = st.multiselect(t("train.models"), list(labels), default=default_models, format_func=labels.get,
                            key="train_models")
    st.caption(t("train.baseline_note"))
with right:
    strategies = ["grid", "random", "halving"]
    strategy = st.radio(t("train.strategy"), strategies, strategies.index(saved.strategy), horizontal=True,
                        format_func=lambda x: t(f"train.strategy.{x}"), key="train_strategy")
    n_iter = st.number_input(t("train.n_iter"), 1, 200, saved.n_iter, key="train_n_iter", disabled=strategy != "random")
a, b, c, d = st.columns(4)
cv = a.slider(t("train.cv"), 2, 10, saved.cv, key="train_cv")
scorings = SCORINGS[resolved]
scoring = b.selectbox(t("train.scoring"), scorings, scorings.index(saved.scoring) if saved.scoring in scorings else 0,
                      key="train_scoring")
test_size = c.slider(t("train.test_size"), 0.1, 0.5, saved.test_size, 0.05, key="train_test_size")
seed = d.number_input(t("train.seed"), 0, 10_000, saved.seed, key="train_seed")

grids, grid_error = {}, None
with st.expander(t("train.grids")):
    st.caption(t("train.grids_help"))
    for spec in catalog:
        if spec.name not in chosen:
            continue
        default = json.dumps(saved.param_grids.get(spec.name, spec.grid(n_classes)))
        text = st.text_area(spec.label, default, key=f"grid_{spec.name}_{n_classes}", height=80)
        try:
            grid = json.loads(text or "{}")
            if not isinstance(grid, dict):
                raise ValueError("not an object")
            grids[spec.name] = grid
        except ValueError:
            grid_error = t("train.grid_invalid", model=spec.label)

search = SearchConfig(models=chosen or None, strategy=strategy, cv=int(cv), scoring=scoring, n_iter=int(n_iter),
                      test_size=float(test_size), seed=int(seed), param_grids=grids)
if grid_error:
    st.error(grid_error)
    st.stop()
if not chosen:
    st.warning(t("train.no_models"))
    st.stop()
state.put(state.SEARCH, search)

fits = safely(plan_fits, ds.frame, target, task=task, prep=prep, search=search)
if fits is None:
    st.stop()
limit = search.max_fits or (safely(limits) or Limits()).max_fits
allow_more = False
if fits > limit:
    st.warning(t("train.over_limit", fits=fits, limit=limit))
    allow_more = st.checkbox(t("train.confirm_many"), key="train_confirm")
else:
    st.info(t("train.plan", fits=fits))
estimate = safely(cache.estimate, ds.frame, ds.digest, target, resolved, json.dumps(prep.to_dict(), default=str),
                  json.dumps(search.to_dict(), default=str))
if estimate is not None:
    unit, n = duration_parts(estimate.seconds)
    st.caption(t("train.estimate", duration=t(f"duration.{unit}", n=f"{n:g}"), rows=f"{estimate.sample_rows:,}"))

run_key = json.dumps([ds.digest, target, task, prep.to_dict(), search.to_dict()], sort_keys=True, default=str)
have = state.get(state.RESULT) is not None and state.get(state.RESULT_KEY) == run_key
go = st.button(t("train.retrain") if have else t("train.start"), type="primary", key="train_go",
               disabled=fits > limit and not allow_more)
if go:
    st.button(t("train.cancel"), key="train_cancel", help=t("train.cancel_help"))
    bar = st.progress(0.0, text=t("train.starting"))
    started = time.perf_counter()

    def progress(done, total, message):
        bar.progress(done / max(total, 1), text=t("train.progress", done=done, total=total,
                                                   seconds=int(time.perf_counter() - started)))

    if allow_more:
        search.max_fits = fits
    result = safely(train, ds.frame, target, task=task, prep=prep, search=search, progress=progress)
    if result is not None:
        evaluation = safely(evaluate_training, result)
        if evaluation is not None:
            state.put(state.RESULT, result)
            state.put(state.EVALUATION, evaluation)
            state.put(state.RESULT_KEY, run_key)
            state.put(state.ARTIFACT, None)
            st.rerun()

result = state.get(state.RESULT)
if result is None:
    st.stop()
if not have:
    st.warning(t("train.stale"))

st.subheader(t("train.leaderboard"))
board = result.leaderboard()
st.dataframe(board.assign(best_params=board["best_params"].astype(str)), width="stretch", hide_index=True,
             column_config={"cv_mean": st.column_config.NumberColumn(format="%.4f"),
                            "cv_std": st.column_config.NumberColumn(format="%.4f"),
                            "fit_time_s": st.column_config.NumberColumn(format="%.3f")})
st.plotly_chart(charts.leaderboard(board, t("train.chart_title", metric=result.scoring), result.scoring),
                width="stretch")
st.success(t("train.best", model=result.best_model, score=result.best.best.mean, metric=result.scoring))
for n in result.notes:
    st.info(n)
failed = result.candidates_frame().query("failed")
if len(failed):
    with st.expander(t("train.failed", n=len(failed))):
        st.dataframe(failed.assign(params=failed["params"].astype(str)), width="stretch", hide_index=True)
st.page_link("pages/4_Evaluate.py", label=t("train.next"), icon=":material/arrow_forward:")
