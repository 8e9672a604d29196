"""Type hints of the native module ``stance._stance`` (Rust, PyO3). Use the ``stance`` package."""

from typing import Any, Sequence

__version__: str
UNCERTAIN: str
SKIPPED_ROW: int

class StanceError(ValueError):
    """Base of the errors stance raises for bad data, settings or model files."""

class ParseError(StanceError):
    """A row of an input that cannot be read."""

    path: str
    line: int
    reason: str

class ModelFileError(StanceError):
    """A file that is not a readable stance model of this format version."""

    path: str

class Model:
    """A loaded model file."""

    @staticmethod
    def load(path: str) -> Model: ...
    @staticmethod
    def from_bytes(data: bytes, name: str = "<bytes>") -> Model: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: str) -> None: ...
    @property
    def source(self) -> str: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def calibrated(self) -> bool: ...
    def uncalibrated(self) -> Model: ...
    def predict_raw(
        self,
        texts: Sequence[str],
        threads: int,
        probs: bool = False,
        min_confidence: float | None = None,
    ) -> tuple[list[str], bytes]: ...
    def predict_arrow(
        self,
        texts: Any,
        threads: int,
        probs: bool = False,
        min_confidence: float | None = None,
        first_row: int = 0,
    ) -> tuple[bytes, bytes, bytes]: ...
    def explain(
        self, text: str, label: str | None = None, top: int = 5
    ) -> tuple[str, list[tuple[str, str, float, int, int, str]]]: ...
    def info_json(self, top: int = 20) -> str: ...
    def analyse_article_json(
        self,
        text: str,
        name: str = "article",
        explain: int = 5,
        min_confidence: float | None = None,
    ) -> str: ...

def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    ids: Sequence[Any] | None = None,
    dev: tuple[Sequence[str], Sequence[str]] | None = None,
    calibrate_on: tuple[Sequence[str], Sequence[str]] | None = None,
    unlabelled: Sequence[str] | None = None,
    config_json: str | None = None,
    config_path: str | None = None,
    out: str | None = None,
) -> Model: ...
def evaluate(
    model: Model, texts: Sequence[str], labels: Sequence[str], threads: int
) -> tuple[str, str]: ...
def read(
    path: str,
    format: str | None = None,
    labels_required: bool = False,
    text_from: str | None = None,
) -> tuple[list[str | None], list[str], list[str | None], dict[str, Any]]: ...
def segment(text: str) -> list[tuple[int, int, str, str | None]]: ...
