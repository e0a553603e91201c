"""The reference district, generated: pure Python, no Django, deterministic for (scale, seed).

`generate(scale, seed)` returns frozen dataclasses that `load_demo` writes to the database and that
`bench/matching.py` hands to the solver in memory, so both see the same district.

Scale 1 is Xicheng: its 15 real subdistricts with approximate centres (GCJ-02), its 263
communities under their real names (`data/xicheng_communities.csv`, all distinct), about 400 work
units and 1,200 resources, a few residents per community and about 3,000 needs. A larger scale lays
further copies of the district beside it as tiles (a city of districts) whose names carry the
tile's number (`府右街南社区·2`), so every community name stays distinct; a smaller one thins every
subdistrict. Dates are offsets in days from the day the district is loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

# (name, English name, lat, lon) of the 15 subdistricts; their communities are in COMMUNITIES_CSV.
SUBDISTRICTS: tuple[tuple[str, str, float, float], ...] = (
    ("西长安街", "Xichang'anjie", 39.9072, 116.3760),
    ("新街口", "Xinjiekou", 39.9440, 116.3665),
    ("月坛", "Yuetan", 39.9135, 116.3470),
    ("展览路", "Zhanlanlu", 39.9305, 116.3400),
    ("德胜", "Desheng", 39.9560, 116.3770),
    ("金融街", "Jinrongjie", 39.9175, 116.3610),
    ("什刹海", "Shichahai", 39.9400, 116.3880),
    ("大栅栏", "Dashilan", 39.8945, 116.3930),
    ("天桥", "Tianqiao", 39.8840, 116.3980),
    ("椿树", "Chunshu", 39.8950, 116.3790),
    ("陶然亭", "Taoranting", 39.8780, 116.3820),
    ("广安门内", "Guang'anmennei", 39.8910, 116.3580),
    ("牛街", "Niujie", 39.8845, 116.3650),
    ("白纸坊", "Baizhifang", 39.8765, 116.3500),
    ("广安门外", "Guang'anmenwai", 39.8855, 116.3300),
)
# Xicheng's 263 communities under their subdistricts (public statistical division list; see the
# file's header and ../shared/data/README.md): code, subdistrict, community.
COMMUNITIES_CSV = Path(__file__).resolve().parent / "data" / "xicheng_communities.csv"
REFERENCE_COMMUNITIES = 263


@functools.cache
def real_communities() -> dict[str, tuple[str, ...]]:
    """The real community names of each subdistrict, in the file's (statistical code) order."""
    by_subdistrict: dict[str, list[str]] = {name: [] for name, *_ in SUBDISTRICTS}
    with COMMUNITIES_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_subdistrict[row["subdistrict"]].append(row["community"])
    return {name: tuple(names) for name, names in by_subdistrict.items()}

UNITS_PER_SCALE = 400
NEEDS_PER_COMMUNITY = 10.0
RESIDENTS_PER_COMMUNITY = 4
TILE_LAT, TILE_LON = 0.115, 0.105  # one district's extent; tiles of larger scales sit this far apart

COMMUNITY_PARTS = (
    "西便门", "复兴门", "阜外", "三里河", "南礼士路", "百万庄", "车公庄", "官园", "西直门", "新街",
    "赵登禹", "护国寺", "前海", "后海", "鼓楼", "兴华", "德外", "新康", "六铺炕", "裕中", "马甸",
    "二龙路", "太平桥", "丰盛", "砖塔", "大木仓", "文华", "宣武门", "长椿", "琉璃厂", "椿树园",
    "粉房", "樱桃", "铁树", "煤市", "三井", "前门", "福州馆", "永安路", "香厂", "天坛", "仁寿",
    "陶然", "龙泉", "黑窑厂", "南华", "牛街东", "牛街西", "春风", "法源寺", "枣林", "白纸坊",
    "右内", "菜园街", "半步桥", "红莲", "湾子", "广外", "莲花", "手帕口", "青年湖", "展览",
    "北营房", "扣钟", "南营房", "榆树馆", "月坛南", "真武庙", "汽南", "木樨地", "北礼士路",
    "西四", "砖塔胡同", "大觉", "受水河", "新文化", "什刹", "银锭", "柳荫", "景山", "定阜",
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "秀英桂兰玉梅淑珍凤华建国明伟芳娜敏静丽强磊军洋勇艳杰娟涛超刚平辉霞红波宁春燕宏志文德利"

MINISTRY_NAMES = ("统计", "档案", "粮食", "林业", "能源", "测绘", "气象", "文物", "邮政", "外汇", "标准化",
                  "知识产权", "药品监督", "体育", "广播电视", "新闻出版", "地质", "海洋", "铁路", "民航")
ENTERPRISE_TRADES = ("建设集团", "电力公司", "银行分行", "保险公司", "证券公司", "出版社", "通信公司",
                     "设计研究院", "投资集团", "商贸公司", "物业公司", "燃气公司", "百货公司", "食品公司")
UNIVERSITY_NAMES = ("师范", "财经", "工商", "建筑", "音乐", "戏曲", "外事", "医科", "信息", "法政")
HOSPITAL_NAMES = ("中医", "妇幼", "口腔", "康复", "第二", "老年", "肿瘤", "眼科", "骨伤", "儿童")


@dataclass(frozen=True)
class GenSubdistrict:
    key: str
    name: str
    name_en: str
    lat: float
    lon: float


@dataclass(frozen=True)
class GenCommunity:
    key: str
    name: str
    subdistrict_key: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class GenUnit:
    key: str
    name: str
    kind: str
    subdistrict_key: str
    lat: float
    lon: float
    address: str


@dataclass(frozen=True)
class GenWindow:
    weekdays: tuple[int, ...]
    start: dt.time
    end: dt.time
    ends_next_day: bool
    capacity: int | None
    sex: str = "ANY"


@dataclass(frozen=True)
class GenResource:
    key: str
    unit_key: str
    name: str
    category: str
    lat: float
    lon: float
    address: str
    capacity: int
    booking_mode: str
    target_group: str
    requires_approval: bool
    accessible: bool
    check_in_required: bool
    follows_holiday_calendar: bool
    description: str
    windows: tuple[GenWindow, ...]


@dataclass(frozen=True)
class GenResident:
    key: str
    community_key: str
    full_name: str
    birth_date: dt.date
    sex: str
    verified: bool
    disabled: bool
    phone: str


@dataclass(frozen=True)
class GenNeed:
    key: str
    community_key: str
    category: str
    title: str
    quantity: int  # people, cars or places; for halls the expected attendees of one booking
    weekday_pattern: str
    weekdays: tuple[int, ...]
    start: dt.time
    end: dt.time
    ends_next_day: bool
    starts_offset_days: int
    ends_offset_days: int
    target_group: str
    max_distance_m: int
    priority: int


@dataclass(frozen=True)
class District:
    scale: float
    seed: int
    subdistricts: tuple[GenSubdistrict, ...]
    communities: tuple[GenCommunity, ...]
    units: tuple[GenUnit, ...]
    resources: tuple[GenResource, ...]
    residents: tuple[GenResident, ...]
    needs: tuple[GenNeed, ...]
    bbox: tuple[float, float, float, float] = field(default=(0.0, 0.0, 0.0, 0.0))  # min lat, max lat, min lon, max lon


WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
WEEKEND: tuple[int, ...] = (5, 6)
EVERY_DAY: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


def default_max_distance(category: str, target_group: str) -> int:
    """The API's defaults: canteen 1,000 m for ELDERLY and 1,500 m otherwise, parking 800 m."""
    if category == "CANTEEN":
        return 1000 if target_group == "ELDERLY" else 1500
    if category == "PARKING":
        return 800
    return 1500


def _tile_offsets(count: int) -> list[tuple[int, int]]:
    """Tile positions around the real district, nearest first (a square spiral)."""
    cells = [(i, j) for i in range(-4, 5) for j in range(-4, 5)]
    cells.sort(key=lambda c: (max(abs(c[0]), abs(c[1])), abs(c[0]) + abs(c[1]), c))
    return cells[:count]


def _t(hh: int, mm: int = 0) -> dt.time:
    return dt.time(hh, mm)


class _Builder:
    def __init__(self, scale: float, seed: int):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.subdistricts: list[GenSubdistrict] = []
        self.communities: list[GenCommunity] = []
        self.units: list[GenUnit] = []
        self.resources: list[GenResource] = []
        self.residents: list[GenResident] = []
        self.needs: list[GenNeed] = []
        self.unit_names: set[str] = set()

    # --- geography ------------------------------------------------------------------------------
    def build_geography(self) -> None:
        tiles = max(1, math.ceil(self.scale))
        share = self.scale / tiles
        for t, (ti, tj) in enumerate(_tile_offsets(tiles)):
            suffix = "" if t == 0 else f"·{t + 1}"
            for s, (name, name_en, lat, lon) in enumerate(SUBDISTRICTS):
                real = real_communities()[name]
                n_comm = len(real)
                key = f"s{t}-{s}"
                clat, clon = lat + ti * TILE_LAT, lon + tj * TILE_LON
                self.subdistricts.append(
                    GenSubdistrict(key, name + suffix, name_en + (f" {t + 1}" if t else ""), clat, clon)
                )
                count = max(1, round(n_comm * share)) if tiles > 1 or self.scale < 1 else n_comm
                # A thinned subdistrict keeps a sample of its real communities, in their order.
                chosen = real if count >= n_comm else tuple(
                    real[i] for i in sorted(self.rng.sample(range(n_comm), k=count)))
                for c, real_name in enumerate(chosen):
                    cname = real_name + suffix
                    spread = 0.0035 + 0.0006 * math.sqrt(count)
                    self.communities.append(GenCommunity(
                        key=f"c{t}-{s}-{c}", name=cname, subdistrict_key=key,
                        lat=round(clat + self.rng.gauss(0, spread), 6),
                        lon=round(clon + self.rng.gauss(0, spread * 1.2), 6),
                        population=int(self.rng.triangular(1800, 9500, 4300)),
                    ))

    # --- units and resources --------------------------------------------------------------------
    def _unit_name(self, kind: str, subdistrict: GenSubdistrict) -> str:
        rng = self.rng
        for attempt in range(50):
            if kind == "MINISTRY":
                name = f"国家{rng.choice(MINISTRY_NAMES)}局机关服务中心"
            elif kind == "ENTERPRISE":
                name = f"北京{subdistrict.name[:2]}{rng.choice(ENTERPRISE_TRADES)}"
            elif kind == "UNIVERSITY":
                name = f"北京{rng.choice(UNIVERSITY_NAMES)}学院"
            elif kind == "HOSPITAL":
                name = f"{subdistrict.name[:2]}{rng.choice(HOSPITAL_NAMES)}医院"
            elif kind == "SCHOOL":
                name = f"北京市第{rng.randint(2, 199)}中学"
            else:
                name = f"{subdistrict.name[:2]}{rng.choice(('文化馆', '体育中心', '图书馆', '科技馆', '会展中心'))}"
            if attempt:
                name = f"{name}（{subdistrict.name}{attempt}）"
            if name not in self.unit_names:
                self.unit_names.add(name)
                return name
        raise RuntimeError("could not find a free unit name")

    def build_units(self) -> None:
        total = max(1, round(UNITS_PER_SCALE * self.scale))
        kinds = ("MINISTRY",) * 15 + ("ENTERPRISE",) * 40 + ("UNIVERSITY",) * 8 + ("HOSPITAL",) * 10 + (
            "SCHOOL",) * 17 + ("OTHER",) * 10
        # Units follow population: pick an anchor community weighted by population.
        weights = [c.population for c in self.communities]
        anchors = self.rng.choices(self.communities, weights=weights, k=total)
        sub_by_key = {s.key: s for s in self.subdistricts}
        # The first unit sits in the first community of the first subdistrict (demo users use it).
        anchors[0] = self.communities[0]
        for u, anchor in enumerate(anchors):
            kind = "MINISTRY" if u == 0 else self.rng.choice(kinds)
            sub = sub_by_key[anchor.subdistrict_key]
            lat = round(anchor.lat + self.rng.gauss(0, 0.003), 6)
            lon = round(anchor.lon + self.rng.gauss(0, 0.0035), 6)
            street = self.rng.choice(COMMUNITY_PARTS)
            address = f"北京市西城区{sub.name.split('·')[0]}{street}路{self.rng.randint(1, 199)}号"
            unit = GenUnit(f"u{u}", self._unit_name(kind, sub), kind, sub.key, lat, lon, address)
            self.units.append(unit)
            self.build_resources(unit, first=(u == 0))

    def build_resources(self, unit: GenUnit, first: bool) -> None:
        rng = self.rng
        plan: list[str] = []
        if first or rng.random() < 0.55:
            plan.append("CANTEEN")
        if first or rng.random() < 0.8:
            plan.append("PARKING")
        if first or rng.random() < 0.65:
            plan.append("HALL")
        if rng.random() < (0.35 if unit.kind in ("HOSPITAL", "UNIVERSITY", "ENTERPRISE") else 0.12):
            plan.append("BATHHOUSE")
        if rng.random() < 0.12:
            plan.append("OTHER")
        if rng.random() < 0.45:
            plan.append(rng.choice(("HALL", "PARKING", "CANTEEN")))
        for i, category in enumerate(plan):
            self.resources.append(self._resource(unit, f"{unit.key}-r{i}", category, i))

    def _resource(self, unit: GenUnit, key: str, category: str, index: int) -> GenResource:
        rng = self.rng
        lat = round(unit.lat + rng.uniform(-0.0004, 0.0004), 6)
        lon = round(unit.lon + rng.uniform(-0.0004, 0.0004), 6)
        mode, group, approval, checkin, holidays, accessible = "SHARED", "ANYONE", False, False, False, True
        windows: list[GenWindow]
        if category == "CANTEEN":
            capacity = int(rng.triangular(40, 300, 90))
            name = f"{unit.name}职工食堂" + ("" if index == 0 else f"{index + 1}号")
            group = "ELDERLY" if rng.random() < 0.45 else "ANYONE"
            checkin, holidays = True, True
            windows = [GenWindow(WEEKDAYS, _t(11), _t(12), False, None),
                       GenWindow(WEEKDAYS, _t(12), _t(13), False, None)]
            if rng.random() < 0.3:
                windows.append(GenWindow(WEEKDAYS, _t(17, 30), _t(18, 30), False, max(20, capacity // 2)))
            description = "工作日午餐两个时段，老年人优先。" if group == "ELDERLY" else "工作日午餐，对周边居民开放。"
        elif category == "PARKING":
            capacity = int(rng.triangular(10, 200, 45))
            name = f"{unit.name}停车场" + ("" if index < 2 else f"{index}号")
            windows = [GenWindow(WEEKDAYS, _t(19), _t(7, 30), True, None)]
            if rng.random() < 0.6:
                windows.append(GenWindow(WEEKEND, _t(8), _t(18), False, None))
            accessible = False
            description = "夜间共享车位，次日7:30前驶离。"
        elif category == "HALL":
            capacity = int(rng.triangular(30, 500, 90))
            name = f"{unit.name}" + rng.choice(("礼堂", "多功能厅", "会议室", "报告厅"))
            mode, approval, checkin, holidays = "EXCLUSIVE", rng.random() < 0.7, True, True
            days = (5,) if rng.random() < 0.5 else (5, 6)
            windows = [GenWindow(days, _t(9), _t(11), False, None),
                       GenWindow(days, _t(14), _t(16), False, None)]
            if rng.random() < 0.5:
                windows.append(GenWindow(WEEKDAYS, _t(19), _t(21), False, None))
            description = "可用于社区议事会、文艺活动，需提前预约。"
        elif category == "BATHHOUSE":
            capacity = int(rng.triangular(15, 60, 25))
            name = f"{unit.name}浴室"
            group = "ELDERLY" if rng.random() < 0.3 else "ANYONE"
            checkin = True
            windows = [GenWindow((1, 3, 5), _t(17), _t(18, 30), False, None, "FEMALE"),
                       GenWindow((1, 3, 5), _t(18, 30), _t(20), False, None, "MALE")]
            description = "晚间分时段开放，男女分场。"
        else:
            capacity = int(rng.triangular(10, 60, 20))
            name = f"{unit.name}" + rng.choice(("阅览室", "健身房", "乒乓球室"))
            windows = [GenWindow(EVERY_DAY, _t(14), _t(17), False, None)]
            description = "下午向居民开放。"
        return GenResource(
            key=key, unit_key=unit.key, name=name[:100], category=category, lat=lat, lon=lon,
            address=unit.address, capacity=capacity, booking_mode=mode, target_group=group,
            requires_approval=approval, accessible=accessible, check_in_required=checkin,
            follows_holiday_calendar=holidays, description=description, windows=tuple(windows),
        )

    # --- residents and needs --------------------------------------------------------------------
    def _person_name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def build_residents(self) -> None:
        rng = self.rng
        for c in self.communities:
            for i in range(RESIDENTS_PER_COMMUNITY):
                elderly = i < 2 or rng.random() < 0.3
                age = rng.randint(60, 92) if elderly else rng.randint(22, 59)
                birth = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
                self.residents.append(GenResident(
                    key=f"{c.key}-p{i}", community_key=c.key, full_name=self._person_name(),
                    birth_date=birth, sex=rng.choice(("MALE", "FEMALE")), verified=rng.random() < 0.8,
                    disabled=rng.random() < 0.06, phone=f"13{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}",
                ))

    def build_needs(self) -> None:
        rng = self.rng
        n = 0
        for c in self.communities:
            count = max(1, round(rng.gauss(NEEDS_PER_COMMUNITY, 2.5) * c.population / 4600))
            for _ in range(count):
                self.needs.append(self._need(f"n{n}", c))
                n += 1

    def _need(self, key: str, c: GenCommunity) -> GenNeed:
        rng = self.rng
        roll = rng.random()
        start_offset = rng.randint(1, 10)
        ends_offset = start_offset + rng.choice((28, 56, 90))
        priority = rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 5, 2, 1))[0]
        ends_next_day = False
        if roll < 0.42:
            category, group = "CANTEEN", ("ELDERLY" if rng.random() < 0.75 else "ANYONE")
            pattern, days = "WEEKDAYS", WEEKDAYS
            start, end = rng.choice(((_t(11), _t(13)), (_t(11), _t(12)), (_t(11, 30), _t(12, 30))))
            quantity = int(rng.triangular(5, 60, 15))
            title = "老年人工作日午餐" if group == "ELDERLY" else "居民工作日午餐"
        elif roll < 0.72:
            category, group = "PARKING", "ANYONE"
            if rng.random() < 0.75:
                pattern, days, start, end, title = "WEEKDAYS", WEEKDAYS, _t(18), _t(20), "夜间停车"
            else:
                pattern, days, start, end, title = "WEEKEND", WEEKEND, _t(7), _t(10), "周末白天停车"
            quantity = int(rng.triangular(3, 80, 12))
        elif roll < 0.86:
            category, group = "HALL", "ANYONE"
            pattern, days = "ONE_DAY", (rng.choice((5, 5, 6, 2)),)
            start, end = rng.choice(((_t(9), _t(12)), (_t(13, 30), _t(17)), (_t(18, 30), _t(21, 30))))
            quantity = int(rng.triangular(20, 200, 40))
            title = rng.choice(("社区议事会", "居民文艺排练", "健康讲座", "党员活动"))
        elif roll < 0.95:
            category, group = "BATHHOUSE", ("ELDERLY" if rng.random() < 0.6 else "ANYONE")
            pattern, days = "ONE_DAY", (rng.choice((1, 3, 5)),)
            start, end = _t(16, 30), _t(20)
            quantity = int(rng.triangular(3, 25, 6))
            title = "老年人洗浴" if group == "ELDERLY" else "居民洗浴"
        else:
            category, group = "OTHER", "ANYONE"
            pattern, days = "EVERY_DAY", EVERY_DAY
            start, end = _t(13, 30), _t(16)
            quantity = int(rng.triangular(3, 30, 8))
            title = "青少年课后活动场地"
        return GenNeed(
            key=key, community_key=c.key, category=category, title=title, quantity=quantity,
            weekday_pattern=pattern, weekdays=days, start=start, end=end, ends_next_day=ends_next_day,
            starts_offset_days=start_offset, ends_offset_days=ends_offset, target_group=group,
            max_distance_m=default_max_distance(category, group), priority=priority,
        )

    def bbox(self) -> tuple[float, float, float, float]:
        lats = [c.lat for c in self.communities] + [u.lat for u in self.units]
        lons = [c.lon for c in self.communities] + [u.lon for u in self.units]
        return (min(lats), max(lats), min(lons), max(lons))


def generate(scale: float = 1.0, seed: int = 1) -> District:
    """The district at `scale` (1 = Xicheng) for `seed`; the same arguments give the same district."""
    b = _Builder(scale, seed)
    b.build_geography()
    b.build_units()
    b.build_residents()
    b.build_needs()
    return District(
        scale=scale, seed=seed, subdistricts=tuple(b.subdistricts), communities=tuple(b.communities),
        units=tuple(b.units), resources=tuple(b.resources), residents=tuple(b.residents),
        needs=tuple(b.needs), bbox=b.bbox(),
    )
