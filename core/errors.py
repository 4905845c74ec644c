"""The user-facing errors of ModelOps Studio.

Every problem a user can fix (a bad file, a wrong setting, unusable data) is raised as a
subclass of :class:`ModelOpsError` with a plain message that says what went wrong, where
(file, column, row or setting) and what to do. The CLI turns these into exit code 2 and one
line on stderr; the pages show them with ``st.error``. Any other exception is a bug.
"""

from __future__ import annotations


class ModelOpsError(Exception):
    """A problem the user can fix; the message is meant to be shown as it is."""


class DataLoadError(ModelOpsError):
    """The file could not be read as a table."""


class EmptyFileError(DataLoadError):
    """The file holds no bytes, no columns or no data rows."""


class EncodingError(DataLoadError):
    """The file's text encoding could not be determined."""


class CsvParseError(DataLoadError):
    """The CSV structure is broken (for example a row with too many fields)."""


class TargetError(ModelOpsError):
    """The chosen target column cannot be used for the chosen task."""


class ConfigError(ModelOpsError):
    """A setting (model name, grid, k, CV folds, ...) is not valid for this data."""


class TrainingError(ModelOpsError):
    """No model could be trained; the message lists why each one failed."""


class ArtifactError(ModelOpsError):
    """A model file is missing, damaged, foreign or from incompatible library versions."""


class UntrustedArtifactError(ArtifactError):
    """A model file is not signed by this installation; loading it needs explicit trust."""


class SchemaMismatchError(ModelOpsError):
    """A batch to score does not have the columns the model was trained on."""


class TrainingCancelled(ModelOpsError):
    """The user stopped a search before it finished; nothing was saved."""


class StoreError(ModelOpsError):
    """The store (catalog or its files) cannot be used, or a model or batch is not in it."""


class LabelError(ModelOpsError):
    """A ground-truth file cannot be matched to scored predictions."""


class ScoringError(ModelOpsError):
    """A model file from elsewhere could not score the batch (it does not clean its input like ours)."""
