"""The data contract's reference codes with English and Simplified Chinese labels.

Pure data: the seed of the reference tables (see the data migration in core/migrations)
and of anything that needs the codes without a database (scoring benchmarks, tests).
Admins edit the labels in the database afterwards; codes never change.
"""

# (parent code, en, zh, [(child code, en, zh), ...])
SECTOR_TREE: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "infrastructure",
        "Infrastructure",
        "基础设施",
        [
            ("port", "Ports", "港口"),
            ("industrial_park", "Industrial parks", "产业园区"),
            ("transport", "Transport infrastructure", "交通设施"),
            ("utilities", "Utilities", "公用事业"),
            ("real_estate", "Real estate", "房地产"),
        ],
    ),
    (
        "logistics",
        "Logistics",
        "物流",
        [
            ("air_cargo", "Air cargo", "航空货运"),
            ("rail", "Rail freight", "铁路货运"),
            ("shipping", "Shipping", "航运"),
            ("multimodal", "Multimodal transport", "多式联运"),
            ("warehousing", "Warehousing", "仓储"),
            ("cold_chain", "Cold chain", "冷链"),
            ("smart", "Smart logistics", "智慧物流"),
        ],
    ),
    (
        "manufacturing",
        "Manufacturing",
        "制造业",
        [
            ("automotive", "Automotive", "汽车"),
            ("electronics", "Electronics", "电子信息"),
            ("equipment", "Equipment", "装备制造"),
            ("materials", "Materials", "材料"),
            ("biomedicine", "Biomedicine", "生物医药"),
            ("consumer_goods", "Consumer goods", "消费品"),
            ("agri_food", "Agri-food processing", "农产品加工"),
        ],
    ),
    (
        "services",
        "Services",
        "服务业",
        [
            ("finance", "Financial services", "金融服务"),
            ("trade", "International trade", "国际贸易"),
            ("ecommerce", "Cross-border e-commerce", "跨境电商"),
            ("exhibition", "Exhibitions", "会展"),
            ("tourism", "Tourism", "旅游"),
            ("engineering", "Engineering services", "工程服务"),
            ("professional", "Professional services", "专业服务"),
        ],
    ),
    (
        "digital",
        "Digital economy",
        "数字经济",
        [
            ("data_cloud", "Data centres and cloud", "数据中心与云计算"),
            ("ai", "Artificial intelligence", "人工智能"),
            ("blockchain", "Blockchain", "区块链"),
            ("iot", "Internet of things", "物联网"),
        ],
    ),
    (
        "energy",
        "Energy",
        "能源",
        [
            ("renewable", "Renewable energy", "可再生能源"),
            ("grid", "Power grid", "电网"),
            ("storage", "Energy storage", "储能"),
        ],
    ),
    ("agriculture", "Agriculture", "农业", [("products", "Agricultural products", "农产品")]),
]

CORRIDORS: list[tuple[str, str, str]] = [
    (
        "ilstc_rail_sea",
        "ILSTC rail-sea intermodal (Beibu Gulf ports)",
        "西部陆海新通道铁海联运（北部湾港）",
    ),
    (
        "ilstc_rail",
        "ILSTC cross-border rail (China-Laos, China-Vietnam and onward)",
        "西部陆海新通道跨境铁路（中老、中越等）",
    ),
    ("ilstc_road", "ILSTC cross-border road freight to ASEAN", "西部陆海新通道跨境公路（东盟）"),
    (
        "china_europe_rail",
        "China Railway Express (Chongqing-Xinjiang-Europe)",
        "中欧班列（渝新欧）",
    ),
    ("yangtze_waterway", "Yangtze River golden waterway", "长江黄金水道"),
    ("manzhouli_russia_rail", "Chongqing-Manzhouli-Russia railway", "渝满俄班列"),
    ("air_cargo", "International air cargo routes", "国际航空货运航线"),
    ("ocean_shipping", "Deep-sea shipping lines", "远洋航线"),
]

COOPERATION_MODES: list[tuple[str, str, str]] = [
    ("equity_investment", "Equity investment", "股权投资"),
    ("joint_venture", "Joint venture", "合资合作"),
    ("debt_financing", "Debt financing", "债权融资"),
    ("epc", "EPC contracting", "工程总承包（EPC）"),
    ("operation", "Operation and management", "运营管理"),
    ("technology", "Technology cooperation", "技术合作"),
    ("offtake", "Offtake", "包销采购"),
    ("leasing", "Leasing", "租赁"),
    ("route_partnership", "Route partnership", "航线/线路合作"),
    ("trade_distribution", "Trade and distribution", "贸易分销"),
]

# Modes in which a partner takes (or shares) control of the project company.
CONTROL_MODES = frozenset({"equity_investment", "joint_venture"})

OWNERSHIP_TYPES: list[tuple[str, str, str]] = [
    ("soe", "State-owned enterprise", "国有企业"),
    ("private", "Private enterprise", "民营企业"),
    ("foreign", "Foreign-invested enterprise", "外资企业"),
    ("joint_venture", "Joint venture", "合资企业"),
]

_AFRICA = (
    "DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY "
    "MG MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG TN UG ZM ZW EH RE YT SH"
)
_EUROPE = (
    "AL AD AT BY BE BA BG HR CY CZ DK EE FI FR DE GR HU IS IE IT XK LV LI LT LU MT MD MC ME "
    "NL MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA FO GI GG IM JE AX SJ"
)
_LATIN_AMERICA = (
    "AR BO BR CL CO EC GY PY PE SR UY VE GF FK BZ CR SV GT HN NI PA MX "
    "AG BS BB CU DM DO GD HT JM KN LC VC TT AI AW BQ VG KY CW GP MQ MS PR BL MF SX TC VI"
)
_OCEANIA = "AU NZ FJ PG SB VU NC PF WS TO KI FM MH NR PW TV CK NU WF AS GU MP PN TK NF"

# (code, en, zh, members as alpha-2 codes)
REGIONS: list[tuple[str, str, str, list[str]]] = [
    ("ASEAN", "ASEAN", "东盟", ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]),
    ("EAST_ASIA", "East Asia", "东亚", ["JP", "KR", "MN", "HK", "MO", "TW"]),
    ("SOUTH_ASIA", "South Asia", "南亚", ["IN", "PK", "BD", "LK", "NP", "BT", "MV", "AF"]),
    ("CENTRAL_ASIA", "Central Asia", "中亚", ["KZ", "KG", "TJ", "TM", "UZ"]),
    (
        "MIDDLE_EAST",
        "Middle East",
        "中东",
        [
            "AE",
            "BH",
            "EG",
            "IL",
            "IQ",
            "IR",
            "JO",
            "KW",
            "LB",
            "OM",
            "PS",
            "QA",
            "SA",
            "SY",
            "TR",
            "YE",
        ],
    ),
    ("AFRICA", "Africa", "非洲", _AFRICA.split()),
    ("EUROPE", "Europe", "欧洲", _EUROPE.split()),
    (
        "LATIN_AMERICA",
        "Latin America and the Caribbean",
        "拉丁美洲和加勒比",
        _LATIN_AMERICA.split(),
    ),
    ("NORTH_AMERICA", "North America", "北美", ["US", "CA"]),
    ("OCEANIA", "Oceania", "大洋洲", _OCEANIA.split()),
]

# ISO 4217 currencies with a seeded rate to CNY (CNY per one unit), and the rate date.
SEED_RATES_DATE = "2025-06-30"
SEED_RATES_TO_CNY: dict[str, str] = {
    "CNY": "1",
    "USD": "7.17",
    "EUR": "8.40",
    "SGD": "5.62",
    "THB": "0.2205",
    "MYR": "1.70",
    "VND": "0.000275",
    "HKD": "0.9133",
    "MOP": "0.8866",
    "JPY": "0.0497",
    "KRW": "0.00528",
    "AED": "1.952",
    "BRL": "1.31",
}


def sector_codes() -> list[str]:
    """Every sector code, parents first then `parent.child`."""
    codes = [parent for parent, *_ in SECTOR_TREE]
    for parent, _en, _zh, children in SECTOR_TREE:
        codes.extend(f"{parent}.{child}" for child, _cen, _czh in children)
    return codes


def region_members() -> dict[str, frozenset[str]]:
    return {code: frozenset(members) for code, _en, _zh, members in REGIONS}
