"""Where each team plays: arena coordinates, standard-time UTC offset and elevation.

Travel distance, time-zone shift and the altitude flag are computed from this table. Neutral-site
games (Mexico City, Paris, NBA Cup knockouts) are treated as played at the designated home
team's arena: the bundled logs do not say where those games were held.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Arena:
    """A home arena: latitude/longitude in degrees, UTC offset in hours, elevation in metres."""

    latitude: float
    longitude: float
    utc_offset: int
    elevation_m: int


# Current arenas (2025-26). Standard time: ET -5, CT -6, MT -7, PT -8; Phoenix keeps MST all year.
ARENAS: dict[str, Arena] = {
    "ATL": Arena(33.7573, -84.3963, -5, 320),
    "BKN": Arena(40.6826, -73.9754, -5, 10),
    "BOS": Arena(42.3662, -71.0621, -5, 5),
    "CHA": Arena(35.2251, -80.8392, -5, 230),
    "CHI": Arena(41.8807, -87.6742, -6, 180),
    "CLE": Arena(41.4965, -81.6882, -5, 200),
    "DAL": Arena(32.7905, -96.8103, -6, 140),
    "DEN": Arena(39.7487, -105.0077, -7, 1609),
    "DET": Arena(42.3411, -83.0553, -5, 190),
    "GSW": Arena(37.7680, -122.3877, -8, 5),
    "HOU": Arena(29.7508, -95.3621, -6, 15),
    "IND": Arena(39.7640, -86.1555, -5, 220),
    "LAC": Arena(33.9447, -118.3414, -8, 30),
    "LAL": Arena(34.0430, -118.2673, -8, 90),
    "MEM": Arena(35.1382, -90.0506, -6, 80),
    "MIA": Arena(25.7814, -80.1870, -5, 2),
    "MIL": Arena(43.0451, -87.9172, -6, 190),
    "MIN": Arena(44.9795, -93.2761, -6, 260),
    "NOP": Arena(29.9490, -90.0821, -6, 1),
    "NYK": Arena(40.7505, -73.9934, -5, 10),
    "OKC": Arena(35.4634, -97.5151, -6, 366),
    "ORL": Arena(28.5392, -81.3839, -5, 30),
    "PHI": Arena(39.9012, -75.1720, -5, 10),
    "PHX": Arena(33.4457, -112.0712, -7, 330),
    "POR": Arena(45.5316, -122.6668, -8, 15),
    "SAC": Arena(38.5802, -121.4997, -8, 8),
    "SAS": Arena(29.4270, -98.4375, -6, 200),
    "TOR": Arena(43.6435, -79.3791, -5, 80),
    "UTA": Arena(40.7683, -111.9011, -7, 1288),
    "WAS": Arena(38.8981, -77.0209, -5, 10),
}

TEAMS: tuple[str, ...] = tuple(sorted(ARENAS))
# Arenas above 1,000 m (Denver 1,609 m, Salt Lake City 1,288 m); every other arena is below 400 m.
ALTITUDE_TEAMS = frozenset(code for code, arena in ARENAS.items() if arena.elevation_m > 1000)
UNKNOWN_TEAM = len(TEAMS)

_LAT = np.radians([ARENAS[code].latitude for code in TEAMS] + [np.nan])
_LON = np.radians([ARENAS[code].longitude for code in TEAMS] + [np.nan])
_OFFSET = np.array([ARENAS[code].utc_offset for code in TEAMS] + [np.nan], dtype=float)
_ALTITUDE = np.array([code in ALTITUDE_TEAMS for code in TEAMS] + [False])
EARTH_RADIUS_KM = 6371.0


def team_codes(teams: np.ndarray) -> np.ndarray:
    """Stable integer codes for team abbreviations (UNKNOWN_TEAM for anything not in ARENAS)."""
    codes = pd.Categorical(np.asarray(teams, dtype=object), categories=TEAMS).codes
    return np.where(codes < 0, UNKNOWN_TEAM, codes).astype(np.int64)


def distance_km(origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """Great-circle distance between two arenas given as team codes (NaN when either is unknown)."""
    lat1, lon1, lat2, lon2 = _LAT[origin], _LON[origin], _LAT[destination], _LON[destination]
    half = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(half))


def utc_offset(codes: np.ndarray) -> np.ndarray:
    """Standard-time UTC offset in hours of each arena (NaN when unknown)."""
    return _OFFSET[codes]


def is_altitude(codes: np.ndarray) -> np.ndarray:
    """True for arenas above 1,000 m."""
    return _ALTITUDE[codes]
