"""Unit postcodes loaded from OS Code-Point Open (optional; sectors ship in data/)."""

from sqlmodel import Field, SQLModel


class Postcode(SQLModel, table=True):
    """A GB unit postcode and its point in WGS84, with the areas it lies in."""

    postcode: str = Field(primary_key=True, max_length=8)  # normalised: "G31 2ER"
    latitude: float
    longitude: float
    quality: int | None = None  # Code-Point positional quality (10 best .. 90 none)
    country_code: str | None = Field(default=None, max_length=9)  # E92000001, S92000003, W92000004
    district_code: str | None = Field(default=None, max_length=9)  # local authority (GSS code)
    health_code: str | None = Field(default=None, max_length=9)  # NHS health board / ICB area
