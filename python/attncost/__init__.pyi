# Type stubs for editors: the keyword arguments are the CLI's long options in snake_case (see
# `attncost COMMAND --help`); the common ones are listed, any other is passed through.
import os
from typing import Any, Literal, Sequence, Union

from ._display import Document as Document, Rows as Rows, Text as Text

__version__: str

_Num = Union[int, float, str]
_Axis = Union[_Num, Sequence[_Num]]
_ModelArg = Union[str, os.PathLike[str], "Model"]

def run(*args: str) -> tuple[int, str, str]: ...
def estimate(*, model: _ModelArg = ..., gpu: str = ..., ctx: _Num = ..., batch: _Num = ..., gen: _Num = ...,
             gqa: _Num = ..., mha: bool = ..., mqa: bool = ..., mla: str = ..., attn: str = ..., kv_dtype: str = ...,
             kv_group: _Num = ..., weight_dtype: str = ..., act_dtype: str = ..., kernel: str = ..., kernels: str = ...,
             page_size: _Num = ..., tp: _Num = ..., pp: _Num = ..., cp: _Num = ..., ep: _Num = ..., dp: _Num = ...,
             engine: str = ..., spec: str = ..., usd_per_gpu_hour: _Num = ..., explain: bool = ..., **kwargs: Any) -> Document: ...
def plan(format: Literal["json", "html", "md", "text", "csv"] = "json", *, model: _ModelArg = ..., gpu: str = ...,
         workloads: Sequence[str] = ..., require: str = ..., candidates: str = ..., max: str = ..., rate: _Num = ...,
         fleet_gpus: str = ..., family: str = ..., explain: bool = ..., **kwargs: Any) -> Union[Document, Text]: ...
def compare(*, model: _ModelArg = ..., gpu: str = ..., workloads: Sequence[str] = ..., designs: Sequence[str] = ...,
            explain: bool = ..., **kwargs: Any) -> Document: ...
def sweep(*, model: Union[_ModelArg, Sequence[_ModelArg]] = ..., gpu: Union[str, Sequence[str]] = ..., ctx: _Axis = ...,
          batch: _Axis = ..., gen: _Axis = ..., gqa: _Axis = ..., attn: _Axis = ..., kv_dtype: _Axis = ..., tp: _Axis = ...,
          chart: Union[bool, str] = ..., max_rows: _Num = ..., **kwargs: Any) -> Rows: ...
def simulate(*, model: _ModelArg = ..., gpu: str = ..., rate: _Axis = ..., requests: _Num = ..., prompt_len: _Num = ...,
             output_len: _Num = ..., trace: str = ..., max_concurrency: _Num = ..., burstiness: _Num = ..., seed: _Num = ...,
             chart: Union[bool, str] = ..., **kwargs: Any) -> Document: ...
def presets() -> Document: ...
def probe(*, backend: str = ..., suite: str = ..., **kwargs: Any) -> Document: ...

class Model:
    source: str
    info: dict[str, Any]
    def __init__(self, source: Union[str, os.PathLike[str]]) -> None: ...
    @classmethod
    def from_config(cls, path: Union[str, os.PathLike[str]]) -> Model: ...
    @classmethod
    def preset(cls, name: str) -> Model: ...
