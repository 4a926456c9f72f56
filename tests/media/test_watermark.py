"""Generator watermarks: the Stable Diffusion ``dwtDct`` marks, embedded with
invisible-watermark's own encoder into pictures the tests make, then read back by
:mod:`core.media.watermark` (which must agree bit for bit with the library's decoder).

The clean-picture run (200 pictures made from scikit-image's photos, plus the PDQ
corpus's photos when ``LEAKDESK_PDQ_CORPUS`` is set) prints its false-positive count and
the fewest bit errors any clean picture came to.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from imwatermark import WatermarkDecoder, WatermarkEncoder
from PIL import Image, ImageOps

from core.media import hash_image, watermark
from core.media.credentials import not_checked
from core.media.workers import MediaWorkers
from handlers.render import evidence_line
from tests.cli.runner import leakdesk
from tests.media.photos import corpus, photo
from tests.media.robustness_set import source_photos

SD1 = b"StableDiffusionV1"
SDXL_BITS = [int(bit) for bit in bin(0b101100111110110010010000011110111011000110011110)[2:]]
CLEAN_PICTURES = 200


def bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def marked(
    image: Image.Image, *, message: bytes = SD1, bits: list[int] | None = None
) -> Image.Image:
    """``image`` marked as the generator scripts do (bytes, or SDXL's fixed bits)."""
    encoder = WatermarkEncoder()
    if bits is not None:
        encoder.set_watermark("bits", bits)
    else:
        encoder.set_watermark("bytes", message)
    encoded = encoder.encode(bgr(image), "dwtDct")
    return Image.fromarray(np.ascontiguousarray(encoded[:, :, ::-1]))


def picture(name: str, size: tuple[int, int] = (512, 512)) -> Image.Image:
    return photo(name).convert("RGB").resize(size, Image.Resampling.LANCZOS)


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def watermarks(data: bytes) -> list[tuple[str, str]]:
    return [(s.value, s.confidence) for s in hash_image(data).provenance if s.kind == "watermark"]


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "rocket"])
@pytest.mark.parametrize("size", [(512, 512), (640, 384)])
def test_decoder_agrees_bit_for_bit_with_imwatermark(name: str, size: tuple[int, int]) -> None:
    clean = picture(name, size)
    for message, length in ((SD1, 136), (b"SDV2", 32)):
        decoder = WatermarkDecoder("bytes", length)
        for image in (clean, marked(clean, message=message)):
            expected = np.unpackbits(np.frombuffer(decoder.decode(bgr(image), "dwtDct"), np.uint8))
            scores = watermark.block_scores(watermark.u_band_full(bgr(image)))
            assert np.array_equal(watermark.message_bits(scores, length), expected)


@pytest.mark.parametrize("name", ["astronaut", "rocket", "chelsea"])
def test_stable_diffusion_mark_is_read_from_lossless_files(name: str) -> None:
    image = marked(picture(name))
    assert watermarks(encoded(image, "PNG")) == [("Stable Diffusion", "strong")]
    assert watermarks(encoded(image, "WEBP", lossless=True)) == [("Stable Diffusion", "strong")]
    assert watermarks(encoded(picture(name), "PNG")) == []


def test_sd2_and_sdxl_marks_are_named() -> None:
    sd2 = marked(picture("astronaut"), message=b"SDV2")
    sdxl = marked(picture("rocket", (768, 768)), bits=SDXL_BITS)
    assert [v for v, _ in watermarks(encoded(sd2, "PNG"))] == ["Stable Diffusion 2"]
    assert [v for v, _ in watermarks(encoded(sdxl, "PNG"))] == ["Stable Diffusion XL"]


@pytest.mark.parametrize("name", ["astronaut", "rocket", "chelsea", "coffee"])
@pytest.mark.parametrize(("side", "quality"), [(512, 85), (1024, 90)])
def test_read_after_jpeg_with_full_chroma(name: str, side: int, quality: int) -> None:
    """JPEG keeping full-resolution chroma (4:4:4): the mark survives q85 at 512².  A 1024²
    JPEG is read from the half-scale decode the hashing already makes (no second decode),
    a little less robust: q90 here (at q85 some photos fall past the tolerance, see NOTES)."""
    data = encoded(marked(picture(name, (side, side))), "JPEG", quality=quality, subsampling=0)
    assert [v for v, _ in watermarks(data)] == ["Stable Diffusion"]


@pytest.mark.parametrize("name", ["astronaut", "rocket", "chelsea", "coffee"])
def test_read_after_pillows_default_jpeg_q85(name: str) -> None:
    """Pillow's default JPEG (q85, 4:2:0 chroma) turns the library's bits into coin flips;
    the matched filter over all blocks still finds the mark, at 512² (SD 1.x, read at
    full size) and at 1024² (SDXL, read from the half-scale decode the hashing makes)."""
    sd1 = encoded(marked(picture(name)), "JPEG", quality=85)
    reopened = Image.open(io.BytesIO(sd1))
    assert watermark.worth_decoding(*reopened.size, watermark.jpeg_chroma(reopened))
    errors = watermark.bit_errors(bgr(reopened.convert("RGB")))["Stable Diffusion"]
    z, t = watermark.mark_strength(bgr(reopened.convert("RGB")))["Stable Diffusion"]
    print(f"\n{name} SD q85 4:2:0: {errors} of 136 bits wrong (chance 68), z={z:.1f} t={t:.1f}")
    assert errors > watermark.MAX_BIT_ERRORS[136]
    assert watermarks(sd1) == [("Stable Diffusion", "strong")]
    sdxl = encoded(marked(picture(name, (1024, 1024)), bits=SDXL_BITS), "JPEG", quality=85)
    assert watermarks(sdxl) == [("Stable Diffusion XL", "strong")]


@pytest.mark.parametrize("name", ["astronaut", "coffee", "retina", "hubble_deep_field"])
def test_read_after_a_50_percent_resize_and_pillows_default_jpeg(name: str) -> None:
    """SDXL 1024² reduced to 512² and saved as Pillow's default JPEG (q85, 4:2:0): the bits
    are gone and the plain slot t stays low (the picture's vertical structure adds up in
    the few block columns each slot falls in); after the vertical high-pass it agrees."""
    half = marked(picture(name, (1024, 1024)), bits=SDXL_BITS).resize((512, 512))
    data = encoded(half, "JPEG", quality=85)
    decoded = bgr(Image.open(io.BytesIO(data)).convert("RGB"))
    z, t = watermark.mark_strength(decoded, reduced=True)["Stable Diffusion XL"]
    print(f"\n{name} SDXL after 50 % + q85 4:2:0: z={z:.1f} t={t:.1f}")
    assert watermark.bit_errors(decoded, reduced=True)["Stable Diffusion XL"] > 6
    assert z >= watermark.MIN_STRENGTH and t >= watermark.MIN_AGREEMENT_REDUCED
    assert watermarks(data) == [("Stable Diffusion XL", "strong")]


def test_an_sd1_picture_halved_to_256_and_saved_as_default_jpeg_is_not_claimed() -> None:
    """The limit left: SD 1.x 512² reduced to 256² then q85 4:2:0 keeps too few blocks
    (z median 3 over 35 photos): not reported."""
    half = marked(picture("coffee")).resize((256, 256))
    data = encoded(half, "JPEG", quality=85)
    decoded = bgr(Image.open(io.BytesIO(data)).convert("RGB"))
    z, t = watermark.mark_strength(decoded, reduced=True)["Stable Diffusion"]
    print(f"\nSD after 50 % to 256² + q85 4:2:0: z={z:.1f} t={t:.1f}")
    assert z < watermark.MIN_STRENGTH or t < watermark.MIN_AGREEMENT_REDUCED
    assert watermarks(data) == []


@pytest.mark.parametrize("name", ["astronaut", "rocket", "chelsea", "coffee"])
@pytest.mark.parametrize("resample", [Image.Resampling.LANCZOS, Image.Resampling.BOX])
def test_read_after_a_50_percent_resize(name: str, resample: Image.Resampling) -> None:
    half = marked(picture(name)).resize((256, 256), resample)
    assert [v for v, _ in watermarks(encoded(half, "PNG"))] == ["Stable Diffusion"]
    sdxl_half = marked(picture(name, (1024, 1024)), bits=SDXL_BITS).resize((512, 512), resample)
    assert [v for v, _ in watermarks(encoded(sdxl_half, "PNG"))] == ["Stable Diffusion XL"]


def test_cheap_checks_keep_the_decoder_off_ordinary_photos(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[tuple[int, int], tuple[int, int]]] = []
    real = watermark.read_watermark
    monkeypatch.setattr(
        watermark, "read_watermark", lambda frame, size: calls.append((frame.size, size)) or ()
    )
    big = picture("coffee", (1920, 1080))
    hash_image(encoded(big, "JPEG", quality=85))  # 4:2:0 larger than a generator's output
    hash_image(encoded(picture("coffee", (2560, 1920)), "PNG"))  # larger than any generator
    hash_image(encoded(picture("coffee", (200, 200)), "PNG"))  # too small
    hash_image(encoded(big, "JPEG", quality=85), provenance=False)
    assert calls == []
    hash_image(encoded(big, "JPEG", quality=92, subsampling=0))  # read at half scale
    hash_image(encoded(picture("coffee"), "PNG"))
    assert calls == [((960, 540), (1920, 1080)), ((512, 512), (512, 512))]
    monkeypatch.setattr(watermark, "read_watermark", real)


def clean_pictures() -> Iterator[tuple[str, Image.Image]]:
    """200 unmarked pictures: crops, scales, flips and tones of scikit-image's photos."""
    sources = [(name, image.convert("RGB")) for name, image in source_photos()][:19]
    rng = np.random.default_rng(13)
    count = 0
    while count < CLEAN_PICTURES:
        for name, source in sources:
            if count == CLEAN_PICTURES:
                return
            width, height = (512, 512) if count % 3 else (768, 512)
            scale = max(width / source.width, height / source.height) * rng.uniform(1.0, 1.8)
            grown = source.resize(
                (
                    max(width, round(source.width * scale)),
                    max(height, round(source.height * scale)),
                ),
                Image.Resampling.BICUBIC,
            )
            left = int(rng.integers(0, grown.width - width + 1))
            top = int(rng.integers(0, grown.height - height + 1))
            image = grown.crop((left, top, left + width, top + height))
            if count % 2:
                image = ImageOps.mirror(image)
            if count % 5 == 0:
                image = Image.eval(image, lambda v: min(255, int(v * 1.15)))
            count += 1
            yield f"{name}#{count}", image


def corpus_pictures() -> Iterator[tuple[str, Image.Image]]:
    """Every picture of the PDQ corpus (the extended run only)."""
    folder = corpus()
    if folder is None:
        return
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            with Image.open(path) as image:
                yield str(path.relative_to(folder)), ImageOps.exif_transpose(image).convert("RGB")


def generated_pictures(count: int = 40) -> Iterator[tuple[str, Image.Image]]:
    """Photo-like pictures made from noise: 1/f colour fields with soft edges."""
    rng = np.random.default_rng(7)
    for index in range(count):
        side = 512 if index % 2 else 768
        spectrum = rng.normal(size=(side, side, 3)) + 1j * rng.normal(size=(side, side, 3))
        freq = np.hypot(*np.meshgrid(np.fft.fftfreq(side), np.fft.fftfreq(side)))[..., None]
        field = np.real(np.fft.ifft2(spectrum / np.maximum(freq, 1 / side) ** 1.6, axes=(0, 1)))
        field = (field - field.mean()) / field.std() * rng.uniform(25, 60) + rng.uniform(80, 170)
        yield f"generated#{index}", Image.fromarray(np.clip(field, 0, 255).astype(np.uint8))


def test_no_false_positives_on_clean_pictures() -> None:
    """Every clean picture is read as a lossless file and as Pillow's default JPEG q85
    (through the hashing, as the bot reads it)."""
    pictures = list(clean_pictures())
    assert len(pictures) == CLEAN_PICTURES
    pictures += list(generated_pictures())
    pictures += list(corpus_pictures())
    false_positives, fewest = [], {m.name: 999 for m in watermark.MESSAGES}
    closest = -99.0  # the highest min(z - its threshold, t - its threshold) seen
    for name, image in pictures:
        if watermark.read_watermark(image):
            false_positives.append(name)
        if watermarks(encoded(image, "JPEG", quality=85)):
            false_positives.append(f"{name} (q85)")
        for reduced in (False, True):
            for message, errors in watermark.bit_errors(bgr(image), reduced).items():
                fewest[message] = min(fewest[message], errors)
            agreement = watermark.MIN_AGREEMENT_REDUCED if reduced else watermark.MIN_AGREEMENT
            for z, t in watermark.mark_strength(bgr(image), reduced).values():
                closest = max(closest, min(z - watermark.MIN_STRENGTH, t - agreement))
    print(
        f"\nwatermark false positives: {len(false_positives)} of {len(pictures)} clean "
        f"pictures (each also as q85 JPEG); fewest bit errors seen: {fewest}; "
        f"closest to the strength rule: {closest:.1f} (0 would pass)"
    )
    assert false_positives == []
    assert all(fewest[m.name] > m.max_errors for m in watermark.MESSAGES)
    assert closest < -0.5


def test_flat_and_tiny_pictures_never_match() -> None:
    for colour in ((0, 0, 0), (255, 255, 255), (128, 64, 200)):
        flat = Image.new("RGB", (512, 512), colour)
        assert watermark.read_watermark(flat) == ()
    assert watermark.read_watermark(Image.new("RGB", (64, 64))) == ()


def test_evidence_line_names_the_watermark() -> None:
    signals = hash_image(encoded(marked(picture("astronaut")), "PNG")).provenance
    line = evidence_line(signals)
    assert "suggests synthetic" in line and "watermark: Stable Diffusion" in line


@pytest.fixture
def without_the_extra(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if ``cv2`` could not be imported (the extra missing, or libGL missing)."""
    monkeypatch.setitem(sys.modules, "cv2", None)
    watermark.installed.cache_clear()
    watermark.available.cache_clear()
    yield
    monkeypatch.undo()
    watermark.installed.cache_clear()
    watermark.available.cache_clear()


def test_without_the_extra_the_watermark_is_not_checked_and_hashing_works(
    without_the_extra: None,
) -> None:
    assert watermark.available() is False
    assert "watermark" in not_checked()
    data = encoded(marked(picture("astronaut")), "PNG")
    signals = hash_image(data)
    assert signals.pdq and signals.provenance == ()
    assert watermark.read_watermark(Image.open(io.BytesIO(data))) == ()


async def test_a_marked_picture_is_read_inside_a_budgeted_media_worker() -> None:
    """The bot hashes in worker processes with an address-space budget: ``cv2`` is
    imported there on the first decode and must fit."""
    data = encoded(marked(picture("astronaut")), "PNG")
    pool = MediaWorkers(1, timeout=60.0, memory_mb=400)
    try:
        signals = await pool.run(hash_image, data)
    finally:
        await pool.close()
    assert [s.value for s in signals.provenance if s.kind == "watermark"] == ["Stable Diffusion"]


def test_with_the_extra_nothing_is_left_unchecked() -> None:
    assert watermark.available() is True
    assert not_checked() == ()


def test_hash_json_reports_the_watermark(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "generated.png"
    path.write_bytes(encoded(marked(picture("chelsea")), "PNG"))
    done = leakdesk("hash", str(path), "--json", db=sqlite_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["provenance"] == [
        {
            "kind": "watermark",
            "value": "Stable Diffusion",
            "confidence": "strong",
            "validated": False,
        }
    ]
    assert row["provenance_not_checked"] == []
