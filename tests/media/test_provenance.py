"""Provenance from metadata: generator PNG chunks, XMP DigitalSourceType, EXIF Software."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from core.media import hash_image
from core.media.provenance import excerpt
from handlers.render import evidence_line
from tests.cli.runner import leakdesk
from tests.media.photos import photo

PROMPT = "a photo of a secret person, masterpiece, best quality, 8k, very long prompt text"
A1111 = f"{PROMPT}\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1"
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    'syntax-ns#"><rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
    ' Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
    '{kind}"/></rdf:RDF></x:xmpmeta>'
)


def png(**chunks: str) -> bytes:
    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(
            key.replace("_", ":").replace("XML:com:adobe:xmp", "XML:com.adobe.xmp"), value
        )
    buffer = io.BytesIO()
    photo("coffee").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg(**params: object) -> bytes:
    buffer = io.BytesIO()
    photo("astronaut").save(buffer, "JPEG", quality=85, **params)
    return buffer.getvalue()


def kinds(data: bytes) -> dict[str, tuple[str, str]]:
    return {s.kind: (s.value, s.confidence) for s in hash_image(data).provenance}


def test_a1111_parameters_are_strong_evidence_with_a_short_excerpt_only() -> None:
    signals = hash_image(png(parameters=A1111)).provenance
    [signal] = signals
    assert signal.kind == "png_parameters" and signal.suggests_synthetic
    assert signal.validated is False
    assert "a photo of a secret person" in signal.value
    assert "very long prompt text" not in signal.value and "Negative" not in signal.value
    assert evidence_line(signals).startswith("AI-generated? evidence (suggests synthetic")


def test_comfyui_prompt_and_workflow_are_named_never_copied() -> None:
    graph = json.dumps({"3": {"class_type": "KSampler", "inputs": {"text": PROMPT}}})
    found = kinds(png(prompt=graph, workflow=graph))
    assert found == {"comfyui": ("ComfyUI prompt and workflow embedded", "strong")}


def test_xmp_digital_source_type_in_png_and_jpeg() -> None:
    found = kinds(png(XML_com_adobe_xmp=XMP.format(kind="trainedAlgorithmicMedia")))
    assert found == {"digital_source_type": ("trainedAlgorithmicMedia", "strong")}
    data = jpeg(xmp=XMP.format(kind="compositeWithTrainedAlgorithmicMedia").encode())
    assert kinds(data) == {
        "digital_source_type": ("compositeWithTrainedAlgorithmicMedia", "strong")
    }
    camera = jpeg(xmp=XMP.format(kind="digitalCapture").encode())
    assert kinds(camera) == {"digital_source_type": ("digitalCapture", "weak")}
    assert evidence_line(hash_image(camera).provenance).startswith("AI-generated? evidence (weak")


def test_exif_software_of_known_generators_only() -> None:
    exif = Image.Exif()
    exif[0x0131] = "Adobe Firefly 3"
    assert kinds(jpeg(exif=exif.tobytes())) == {"exif_software": ("Adobe Firefly 3", "medium")}
    exif[0x0131] = "GIMP 2.10"
    assert kinds(jpeg(exif=exif.tobytes())) == {}


def test_a1111_jpeg_parameters_in_exif_user_comment() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + A1111.encode("utf-16-be")
    found = kinds(jpeg(exif=exif.tobytes()))
    assert set(found) == {"exif_parameters"} and found["exif_parameters"][1] == "strong"
    assert "a photo of a secret person" in found["exif_parameters"][0]
    assert "very long prompt text" not in found["exif_parameters"][0]


def test_plain_photos_carry_no_evidence() -> None:
    for name in ("coffee", "astronaut", "chelsea", "rocket", "motorcycle"):
        buffer = io.BytesIO()
        photo(name).save(buffer, "PNG")
        assert hash_image(buffer.getvalue()).provenance == ()
        assert hash_image(jpeg()).provenance == ()


def test_hostile_text_is_escaped_and_short() -> None:
    text = "\x1b[31m\u202eevil\x00" + "x" * 5000
    short = excerpt(text)
    assert len(short) <= 60 and short.isprintable() and "\x1b" not in short
    signals = hash_image(png(parameters=text + "\nSteps: 1")).provenance
    assert signals and all(len(s.value) < 120 and s.value.isprintable() for s in signals)


def test_hash_json_lists_provenance(tmp_path: Path, sqlite_url: str) -> None:
    generated, plain = tmp_path / "gen.png", tmp_path / "plain.jpg"
    generated.write_bytes(png(parameters=A1111))
    plain.write_bytes(jpeg())
    done = leakdesk("hash", str(generated), str(plain), "--json", db=sqlite_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert [p["kind"] for p in first["provenance"]] == ["png_parameters"]
    assert first["provenance"][0]["validated"] is False
    assert second["provenance"] == []
    assert second["provenance_not_checked"] == []  # C2PA and watermarks are read (test extra)
