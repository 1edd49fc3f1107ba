"""Fake keys of every shape migrator must never print or write in full (none is real).

``ANYWHERE``: found in any text; ``ASSIGNED``: found where assigned to a key-like name
(the name each is written under in the tests)."""

from __future__ import annotations

ANYWHERE = {
    "openai": "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2f3a9",
    "openai-proj": "sk-proj-" + "Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7Zq1Wq2Mf3a9",
    "dashscope": "sk-" + "4f1e9b2c7d3a48e6b0c5f9a2d1e7c3b8",
    "deepseek": "sk-" + "9c2e7f1a4b8d4e3f a6c0d5b9e2f7a1c4".replace(" ", ""),
    "moonshot": "sk-" + "Mq7Rt2Yx9Lp4Kc8Vb3Nz6Hs1Jd5Fg0WaEe7Uu2Ii4Oo9Pp3Ly",
    "qianfan-bearer": "bce-v3/ALTAK-" + "Xq3Rz8Lm2Pv7Tn4Kw9Yc1" + "/" + "6b1f0e9d8c7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c",
    "zhipu": "e3b4c5d6f7a8091a2b3c4d5e6f708192" + "." + "Qw3Er5Ty7Ui9Op2A",
    "tencent-secret-id": "AKID" + "Lm3Nb8Vc2Xz7Qw4Er9Ty1Ui6Op5As0Df",
}

ASSIGNED = {
    # (name to assign it to, key)
    "azure": ("AZURE_OPENAI_API_KEY", "7d1c9e4b2a8f4c6e9b0d3a5f1e7c2b84"),
    "azure-upper": ("api_key", "7D1C9E4B2A8F4C6E9B0D3A5F1E7C2B85"),
    "ark": ("ARK_API_KEY", "3f9a1c7e-5b2d-4e8f-a6c0-9d1b7e3f5a26"),
    "qianfan-ak": ("QIANFAN_AK", "Hh4Z3bW5uZ9jk1d8KvDxfH2d"),
    "qianfan-sk": ("QIANFAN_SK", "7bHr3ZuT0uQe2eHbV1Nf8M4ZL9mS6qJo"),
    "qianfan-iam-ak": ("QIANFAN_ACCESS_KEY", "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
    "qianfan-iam-sk": ("secret_key", "0f9e8d7c6b5a49382716a5b4c3d2e1f0"),
    "tencent-secret-key": ("TENCENTCLOUD_SECRET_KEY", "Zx8Cv7Bn6Mq5Wr4Et3Yu2Io1Pa9Sd0Fg"),
}

ALL = {**ANYWHERE, **{shape: key for shape, (_, key) in ASSIGNED.items()}}


def leaks(text: str) -> list:
    """The shapes whose key (or a long part of it) appears in ``text``."""
    found = []
    for shape, key in ALL.items():
        body = key.split("-", 1)[-1] if key.startswith("sk-") else key
        if key in text or body[-20:] in text or body[:20] in text:
            found.append(shape)
    return found
