"""The catalog fields of kind `bps_webapi`: which dynamic table of BPS's WebAPI an entry reads.

BPS publishes a dynamic table per variable and domain (`3573` Kota Malang, `3500` Jawa Timur);
its rows are the vertical variable (vervar: kecamatan, kab/kota), its columns the derived
variable (turvar, e.g. Laki-laki / Perempuan) under each year (tahun) and derived period
(turtahun: month, quarter). The selections below are passed to the WebAPI as they are; BPS
writes a list as `1;2;3` and a range as `2:6`. The API key is never part of an entry: it comes
from KOTAPINTAR_BPS_KEY (sources/bps.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# BPS ids as the WebAPI takes them: one id, a list `1;2;3` or a range `2:6`.
BpsIds = Annotated[str, Field(pattern=r"^\d+([;:]\d+)*$")]


class BpsSpec(BaseModel):
    """kind `bps_webapi`: the WebAPI's `model/data` request of one variable in one domain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: Annotated[str, Field(pattern=r"^\d{4}$")]  # 3573 Kota Malang, 3500 Jawa Timur
    variable: int = Field(ge=1)  # the `var` id (in the address of the table on bps.go.id)
    turvar: BpsIds | None = None  # derived variables to ask for (default: all)
    vervar: BpsIds | None = None  # vertical variable values (regions) to ask for (default: all)
    th: BpsIds | None = None  # period (year) ids: BPS numbers 2023 as 123 (default: all)
    turth: BpsIds | None = None  # derived period ids (months, quarters; default: all)
    lang: Literal["ind", "eng"] = "ind"
    # The unit BPS gives the variable, as BPS writes it ("Ribu Jiwa"), when it is not the
    # `unit` of the indicators the table yields; a different unit from BPS is a warning.
    unit: str | None = None

    @field_validator("domain", mode="before")
    @classmethod
    def _domain_digits(cls, value: Any) -> Any:
        # YAML reads `domain: 3573` as a number; `0000` (national) must be quoted anyway.
        return f"{value:04d}" if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("turvar", "vervar", "th", "turth", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def check_bps_entry(entry: Any) -> None:
    """The rules of kind `bps_webapi` on a whole entry (raises ValueError naming the field)."""
    if entry.kind != "bps_webapi":
        if entry.bps is not None:
            raise ValueError("`bps` is only for kind `bps_webapi`")
        return
    if entry.bps is None:
        raise ValueError(
            "kind `bps_webapi` needs `bps` (at least `domain` and `variable` of the BPS table)"
        )
    if not entry.is_url:
        raise ValueError(
            "kind `bps_webapi` needs `location`: the WebAPI's base URL "
            "(https://webapi.bps.go.id/v1/api)"
        )
    lowered = entry.location.lower()
    if "/key/" in lowered or "key=" in lowered:
        raise ValueError(
            "`location` must not hold the API key: set it in KOTAPINTAR_BPS_KEY (environment "
            "or .env) and give only the base URL (https://webapi.bps.go.id/v1/api)"
        )
    if entry.parse.layout != "long":
        raise ValueError(
            "kind `bps_webapi` reads the table as layout `long`: one row per vervar, tahun and "
            "turtahun, one column per turvar (`values`: turvar label, or `nilai`, -> code)"
        )
