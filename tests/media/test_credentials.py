"""Content Credentials (C2PA): signed here with a certificate the test makes, then read back."""

from __future__ import annotations

import datetime
import io

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.media import hash_image
from core.media.credentials import not_checked
from handlers.render import evidence_line
from tests.media.photos import photo_jpeg

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Generators Inc"),
        ]
    )


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def signer() -> c2pa.Signer:
    """An ES256 signer whose chain (leaf + CA) is made here: on no trust list."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def certificate(subject: str, public: ec.EllipticCurvePublicKey, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name("Test CA"))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(_usage(sign_certs=ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        )
        if not ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
        return builder.sign(ca_key, hashes.SHA256())

    chain = [
        certificate("FakeGen Signer", key.public_key(), False),
        certificate("Test CA", ca_key.public_key(), True),
    ]
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", pem, private, None))


def signed_jpeg(source_type: str = AI) -> bytes:
    manifest = {
        "claim_generator_info": [{"name": "FakeGen", "version": "2.1"}],
        "title": "generated.jpg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": source_type}]},
            }
        ],
    }
    source, out = io.BytesIO(photo_jpeg("coffee")), io.BytesIO()
    builder = c2pa.Builder(manifest)
    try:
        builder.sign(signer(), "image/jpeg", source, out)
    finally:
        builder.close()
    return out.getvalue()


def test_signed_ai_picture_reads_as_ai_generated_from_an_untrusted_signer() -> None:
    signals = {s.kind: s for s in hash_image(signed_jpeg()).provenance}
    assert set(signals) == {"c2pa", "c2pa_source_type"}
    claim, source = signals["c2pa"], signals["c2pa_source_type"]
    assert "FakeGen 2.1" in claim.value and "FakeGen Signer" in claim.value
    assert claim.value.endswith("untrusted signer") and claim.validated is False
    assert source.value == "trainedAlgorithmicMedia (untrusted signer)"
    assert source.suggests_synthetic and source.validated is False
    line = evidence_line(tuple(signals.values()))
    assert "suggests synthetic" in line and "untrusted signer" in line
    assert "c2pa" not in not_checked()


def test_a_tampered_picture_has_an_invalid_manifest() -> None:
    data = bytearray(signed_jpeg())
    data[-40] ^= 0xFF  # a byte of the compressed image, past the manifest
    signals = {s.kind: s for s in hash_image(bytes(data)).provenance}
    assert signals["c2pa"].value.endswith("manifest invalid")
    assert signals["c2pa_source_type"].confidence == "weak"
    assert not any(s.suggests_synthetic or s.validated for s in signals.values())


def test_camera_capture_is_not_evidence_of_synthesis_and_plain_pictures_have_nothing() -> None:
    camera = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    signals = hash_image(signed_jpeg(camera)).provenance
    assert {s.value for s in signals if s.kind == "c2pa_source_type"} == {
        "digitalCapture (untrusted signer)"
    }
    assert not any(s.suggests_synthetic for s in signals)
    assert hash_image(photo_jpeg("coffee")).provenance == ()
