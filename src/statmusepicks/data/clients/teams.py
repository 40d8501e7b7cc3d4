"""The 30 NBA teams as the upstream APIs name them: NBA.com ids and codes, full names.

The Odds API names teams in full ("Los Angeles Clippers") while NBA.com says "LA Clippers";
both spellings map to the NBA.com code that every table uses.
"""

from __future__ import annotations

from statmusepicks.core.stats import normalize_name

# (NBA.com team id, NBA.com code, NBA.com full name)
NBA_TEAMS: tuple[tuple[int, str, str], ...] = (
    (1610612737, "ATL", "Atlanta Hawks"),
    (1610612738, "BOS", "Boston Celtics"),
    (1610612739, "CLE", "Cleveland Cavaliers"),
    (1610612740, "NOP", "New Orleans Pelicans"),
    (1610612741, "CHI", "Chicago Bulls"),
    (1610612742, "DAL", "Dallas Mavericks"),
    (1610612743, "DEN", "Denver Nuggets"),
    (1610612744, "GSW", "Golden State Warriors"),
    (1610612745, "HOU", "Houston Rockets"),
    (1610612746, "LAC", "LA Clippers"),
    (1610612747, "LAL", "Los Angeles Lakers"),
    (1610612748, "MIA", "Miami Heat"),
    (1610612749, "MIL", "Milwaukee Bucks"),
    (1610612750, "MIN", "Minnesota Timberwolves"),
    (1610612751, "BKN", "Brooklyn Nets"),
    (1610612752, "NYK", "New York Knicks"),
    (1610612753, "ORL", "Orlando Magic"),
    (1610612754, "IND", "Indiana Pacers"),
    (1610612755, "PHI", "Philadelphia 76ers"),
    (1610612756, "PHX", "Phoenix Suns"),
    (1610612757, "POR", "Portland Trail Blazers"),
    (1610612758, "SAC", "Sacramento Kings"),
    (1610612759, "SAS", "San Antonio Spurs"),
    (1610612760, "OKC", "Oklahoma City Thunder"),
    (1610612761, "TOR", "Toronto Raptors"),
    (1610612762, "UTA", "Utah Jazz"),
    (1610612763, "MEM", "Memphis Grizzlies"),
    (1610612764, "WAS", "Washington Wizards"),
    (1610612765, "DET", "Detroit Pistons"),
    (1610612766, "CHA", "Charlotte Hornets"),
)

TEAM_NAME_BY_CODE = {code: name for _, code, name in NBA_TEAMS}
_CODE_BY_NAME_KEY = {normalize_name(name): code for _, code, name in NBA_TEAMS} | {
    normalize_name("Los Angeles Clippers"): "LAC"
}


def team_code(name: str) -> str | None:
    """The NBA.com code for a full team name in either API's spelling (None if unknown)."""
    return _CODE_BY_NAME_KEY.get(normalize_name(name or ""))
