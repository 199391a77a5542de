"""The demo catalogue `scent seed` loads: a small, believable aromatherapy shop.

Plain data only. Prices are in minor units (1250 is 12.50); SKUs and slugs are the keys
that make re-seeding update in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CATEGORIES: list[dict] = [
    {
        "slug": "essential-oils",
        "name": "Essential oils",
        "description": "Single-origin essential oils, steam-distilled or cold-pressed and "
        "bottled in amber glass. Each one names the plant, the part used and where it grew.",
    },
    {
        "slug": "blends",
        "name": "Blends",
        "description": "Ready-made blends of pure essential oils, composed for a moment of the "
        "day: winding down, waking up, breathing easier, getting things done.",
    },
    {
        "slug": "diffusers",
        "name": "Diffusers",
        "description": "Reed diffusers that scent a room for weeks, and quiet ultrasonic "
        "diffusers that turn a few drops of oil into a fine, cool mist.",
    },
    {
        "slug": "candles",
        "name": "Candles",
        "description": "Hand-poured soy and rapeseed wax candles with cotton wicks, scented "
        "with essential oils only. Around 45 hours of burning in each 200 g jar.",
    },
    {
        "slug": "soaps-bath",
        "name": "Soaps & bath",
        "description": "Cold-process soaps, bath salts and body oils made in small batches "
        "with plant oils, clays and essential oils. No synthetic fragrance.",
    },
    {
        "slug": "gift-sets",
        "name": "Gift sets",
        "description": "Our favourites, boxed and ready to give: discovery sets, sleep kits and "
        "a diffuser starter kit. Every box comes with a handwritten card on request.",
    },
]

MOODS: list[tuple[str, str]] = [
    ("calm", "Calm"),
    ("sleep", "Sleep"),
    ("energy", "Energy"),
    ("focus", "Focus"),
    ("uplift", "Uplift"),
    ("relief", "Relief"),
    ("romance", "Romance"),
]


@dataclass(frozen=True)
class NoteData:
    name: str
    latin: str
    family: str
    origin: str
    description: str

    @property
    def slug(self) -> str:
        from django.utils.text import slugify

        return slugify(self.name)


NOTES: list[NoteData] = [
    NoteData(
        "Lavender",
        "Lavandula angustifolia",
        "floral",
        "Provence, France",
        "Soft, herbaceous and floral; the classic note for rest.",
    ),
    NoteData(
        "Bergamot",
        "Citrus bergamia",
        "citrus",
        "Calabria, Italy",
        "Bright, sparkling citrus with a tea-like, floral edge.",
    ),
    NoteData(
        "Sandalwood",
        "Santalum album",
        "woody",
        "Mysore, India",
        "Creamy, soft and milky wood that lingers for hours.",
    ),
    NoteData(
        "Frankincense",
        "Boswellia sacra",
        "resinous",
        "Dhofar, Oman",
        "Clean, lemony resin with a quiet, meditative depth.",
    ),
    NoteData(
        "Sweet orange",
        "Citrus sinensis",
        "citrus",
        "Valencia, Spain",
        "Juicy, cheerful peel pressed from ripe oranges.",
    ),
    NoteData(
        "Lemon",
        "Citrus limon",
        "citrus",
        "Amalfi Coast, Italy",
        "Sharp, clean zest that freshens a room instantly.",
    ),
    NoteData(
        "Grapefruit",
        "Citrus paradisi",
        "citrus",
        "Florida, USA",
        "Tangy, slightly bitter pink grapefruit peel.",
    ),
    NoteData(
        "Mandarin",
        "Citrus reticulata",
        "citrus",
        "Sicily, Italy",
        "Sweet, gentle citrus loved in blends for children's rooms.",
    ),
    NoteData(
        "Lime",
        "Citrus aurantifolia",
        "citrus",
        "Veracruz, Mexico",
        "Zesty and green, with a sherbet sparkle.",
    ),
    NoteData(
        "Lemongrass",
        "Cymbopogon flexuosus",
        "citrus",
        "Kerala, India",
        "Lemony, grassy and bright; a natural freshener.",
    ),
    NoteData(
        "Neroli",
        "Citrus aurantium var. amara",
        "floral",
        "Nabeul, Tunisia",
        "Honeyed orange blossom, light and luminous.",
    ),
    NoteData(
        "Rose",
        "Rosa damascena",
        "floral",
        "Kazanlak Valley, Bulgaria",
        "Deep, velvety Damask rose distilled at dawn.",
    ),
    NoteData(
        "Jasmine",
        "Jasminum grandiflorum",
        "floral",
        "Tamil Nadu, India",
        "Rich, heady white flowers picked at night.",
    ),
    NoteData(
        "Ylang-ylang",
        "Cananga odorata",
        "floral",
        "Nosy Be, Madagascar",
        "Exotic, creamy and sweet tropical flower.",
    ),
    NoteData(
        "Geranium",
        "Pelargonium graveolens",
        "floral",
        "Nile Delta, Egypt",
        "Rosy, green and balancing.",
    ),
    NoteData(
        "Roman chamomile",
        "Chamaemelum nobile",
        "herbal",
        "Kent, England",
        "Apple-like, soft and soothing.",
    ),
    NoteData(
        "Clary sage",
        "Salvia sclarea",
        "herbal",
        "Thracian Plain, Bulgaria",
        "Musky, warm herb with a nutty sweetness.",
    ),
    NoteData(
        "Rosemary",
        "Salvia rosmarinus",
        "herbal",
        "Atlas Mountains, Morocco",
        "Camphoraceous and clear; a classic for concentration.",
    ),
    NoteData(
        "Basil",
        "Ocimum basilicum",
        "herbal",
        "Nile Valley, Egypt",
        "Green, sweet and slightly spicy.",
    ),
    NoteData(
        "Thyme",
        "Thymus vulgaris",
        "herbal",
        "Andalusia, Spain",
        "Warm, powerful herb; a little goes a long way.",
    ),
    NoteData(
        "Marjoram",
        "Origanum majorana",
        "herbal",
        "Nile Delta, Egypt",
        "Warm, woody herb, comforting after a long day.",
    ),
    NoteData(
        "Peppermint",
        "Mentha piperita",
        "fresh",
        "Willamette Valley, Oregon, USA",
        "Cool, crisp menthol that wakes the senses.",
    ),
    NoteData(
        "Spearmint",
        "Mentha spicata",
        "fresh",
        "Yakima Valley, Washington, USA",
        "Sweeter, softer mint than peppermint.",
    ),
    NoteData(
        "Eucalyptus",
        "Eucalyptus globulus",
        "fresh",
        "Victoria, Australia",
        "Clean, camphoraceous and opening.",
    ),
    NoteData(
        "Tea tree",
        "Melaleuca alternifolia",
        "fresh",
        "New South Wales, Australia",
        "Medicinal, green and purifying.",
    ),
    NoteData(
        "Scots pine",
        "Pinus sylvestris",
        "fresh",
        "Highlands, Scotland",
        "Resinous forest air and pine needles.",
    ),
    NoteData(
        "Juniper berry",
        "Juniperus communis",
        "woody",
        "Dalmatia, Croatia",
        "Crisp, peppery berries with a gin-like freshness.",
    ),
    NoteData(
        "Cypress",
        "Cupressus sempervirens",
        "woody",
        "Provence, France",
        "Dry, green wood from Mediterranean cypress trees.",
    ),
    NoteData(
        "Cedarwood",
        "Cedrus atlantica",
        "woody",
        "Atlas Mountains, Morocco",
        "Dry, warm pencil-shaving wood.",
    ),
    NoteData(
        "Palo santo",
        "Bursera graveolens",
        "woody",
        "Manabí, Ecuador",
        "Sweet, smoky wood from fallen branches.",
    ),
    NoteData(
        "Vetiver",
        "Chrysopogon zizanioides",
        "earthy",
        "Les Cayes, Haiti",
        "Smoky, rooty and grounding.",
    ),
    NoteData(
        "Patchouli",
        "Pogostemon cablin",
        "earthy",
        "Sulawesi, Indonesia",
        "Dark, earthy and sweet; improves with age.",
    ),
    NoteData(
        "Oakmoss",
        "Evernia prunastri",
        "earthy",
        "The Balkans",
        "Damp forest floor, mossy and green.",
    ),
    NoteData(
        "Black pepper",
        "Piper nigrum",
        "spicy",
        "Kerala, India",
        "Dry, warm spice with a citrus lift.",
    ),
    NoteData(
        "Ginger",
        "Zingiber officinale",
        "spicy",
        "Kerala, India",
        "Warm, zesty root that energises.",
    ),
    NoteData(
        "Cinnamon bark",
        "Cinnamomum verum",
        "spicy",
        "Galle, Sri Lanka",
        "Sweet, hot spice of the season.",
    ),
    NoteData(
        "Clove", "Syzygium aromaticum", "spicy", "Zanzibar, Tanzania", "Rich, warming bud spice."
    ),
    NoteData(
        "Cardamom",
        "Elettaria cardamomum",
        "spicy",
        "Alta Verapaz, Guatemala",
        "Cool, sweet spice with a eucalyptus edge.",
    ),
    NoteData(
        "Myrrh", "Commiphora myrrha", "resinous", "Somali region", "Bittersweet, balsamic resin."
    ),
    NoteData(
        "Benzoin",
        "Styrax tonkinensis",
        "resinous",
        "Luang Prabang, Laos",
        "Vanilla-like balsam, warm and comforting.",
    ),
    NoteData(
        "Vanilla",
        "Vanilla planifolia",
        "sweet",
        "Sava region, Madagascar",
        "Rich, creamy pods cured in the sun.",
    ),
    NoteData(
        "Tonka bean",
        "Dipteryx odorata",
        "sweet",
        "Caura River, Venezuela",
        "Almond, hay and vanilla; cosy and soft.",
    ),
]

NOTES_BY_NAME = {n.name: n for n in NOTES}


@dataclass(frozen=True)
class ProductData:
    sku: str
    slug: str
    name: str
    category: str  # category slug
    family: str
    price: int
    stock: int
    size: str
    short: str
    description: str
    top: tuple[str, ...] = ()
    heart: tuple[str, ...] = ()
    base: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    compare_at: int | None = None
    featured: bool = False
    ingredients: str = ""
    how_to_use: str = ""
    extra: dict = field(default_factory=dict)


HOW_TO_USE = {
    "essential-oils": "Add 4 to 6 drops to a diffuser with water. For the skin, dilute: 3 drops in "
    "a teaspoon (5 ml) of carrier oil such as sweet almond or jojoba. Do not take internally. "
    "Keep away from eyes and out of reach of children. If pregnant, ask your doctor first.",
    "blends": "Add 5 to 8 drops to a diffuser, or 2 drops on a tissue by your pillow or desk. For "
    "massage, dilute 5 drops in 10 ml of carrier oil. Not for internal use.",
    "diffusers": "Reed diffusers: remove the stopper, place the reeds in the bottle and turn them "
    "once a week. Electric diffusers: fill with tap water to the line, add 5 to 8 drops of oil, "
    "switch on. Empty and wipe dry after each use.",
    "candles": "Burn for 2 to 3 hours the first time, until the melted wax reaches the edge of the "
    "jar. Trim the wick to 5 mm before each lighting. Never leave a burning candle unattended.",
    "soaps-bath": "Lather between wet hands or on a cloth and rinse. For bath salts and soaks, "
    "dissolve a handful under running warm water and soak for 20 minutes. External use only.",
    "gift-sets": "See each item in the box for how to use it. Store oils upright, away from "
    "sunlight and heat.",
}


def _oil(note: str, part: str) -> str:
    data = NOTES_BY_NAME[note]
    return f"100% pure {data.latin} ({note.lower()}) {part} oil."


def _names(*notes: str) -> str:
    return ", ".join(f"{NOTES_BY_NAME[n].latin} ({n.lower()}) oil" for n in notes)


P = ProductData

PRODUCTS: list[ProductData] = [
    # --- Essential oils -------------------------------------------------------
    P(
        "EO-LAV-10",
        "lavender-essential-oil",
        "Lavender Essential Oil",
        "essential-oils",
        "floral",
        1250,
        64,
        "10 ml",
        "Fine lavender from the high plateaus of Provence: soft, floral and calming.",
        "Distilled from Lavandula angustifolia grown above 800 metres in Haute-Provence, where cool nights give a sweeter, rounder oil. The one oil to own if you own only one: a few drops at bedtime, in a bath, or on a tissue when the day is too loud.",
        heart=("Lavender",),
        moods=("calm", "sleep", "relief"),
        featured=True,
        ingredients=_oil("Lavender", "flower"),
    ),
    P(
        "EO-BER-10",
        "bergamot-essential-oil",
        "Bergamot Essential Oil",
        "essential-oils",
        "citrus",
        1450,
        38,
        "10 ml",
        "Cold-pressed Calabrian bergamot: bright, floral citrus that lifts a grey afternoon.",
        "Pressed from the peel of bergamot oranges grown on the Ionian coast of Calabria, the only place they ripen this well. Bergaptene-free (FCF), so it is kinder to skin in the sun. The note that makes Earl Grey tea smell like Earl Grey.",
        top=("Bergamot",),
        moods=("uplift", "calm"),
        featured=True,
        ingredients=_oil("Bergamot", "peel (furocoumarin-free)"),
    ),
    P(
        "EO-FRA-10",
        "frankincense-essential-oil",
        "Frankincense Essential Oil",
        "essential-oils",
        "resinous",
        2400,
        22,
        "10 ml",
        "Sacred Omani frankincense: clean, lemony resin for breathing slowly.",
        "Steam-distilled from Boswellia sacra resin tapped by hand in the Dhofar mountains of southern Oman. Silvery and citrus-bright at first, then warm and balsamic. Diffuse it for meditation, yoga or a quiet start to the morning.",
        base=("Frankincense",),
        moods=("calm", "focus"),
        featured=True,
        ingredients=_oil("Frankincense", "resin"),
    ),
    P(
        "EO-PEP-10",
        "peppermint-essential-oil",
        "Peppermint Essential Oil",
        "essential-oils",
        "fresh",
        990,
        80,
        "10 ml",
        "Oregon peppermint: cool, crisp and clarifying.",
        "From the Willamette Valley, where peppermint has been grown for oil since the 1800s. A bright, high-menthol oil: one drop on a tissue for a tired afternoon, or diffused with rosemary for study sessions.",
        top=("Peppermint",),
        moods=("energy", "focus", "relief"),
        ingredients=_oil("Peppermint", "leaf"),
    ),
    P(
        "EO-EUC-10",
        "eucalyptus-essential-oil",
        "Eucalyptus Essential Oil",
        "essential-oils",
        "fresh",
        890,
        55,
        "10 ml",
        "Australian blue gum eucalyptus: open, clean and fresh.",
        "Distilled from the leaves of Eucalyptus globulus in Victoria. The smell of a clear head: add a few drops to a bowl of hot water or to the shower floor on a winter morning.",
        top=("Eucalyptus",),
        moods=("relief", "energy"),
        ingredients=_oil("Eucalyptus", "leaf"),
    ),
    P(
        "EO-TEA-10",
        "tea-tree-essential-oil",
        "Tea Tree Essential Oil",
        "essential-oils",
        "fresh",
        950,
        47,
        "10 ml",
        "New South Wales tea tree: green, medicinal and purifying.",
        "From Melaleuca alternifolia plantations in the Bungawalbin wetlands. Fresh, green and slightly spicy, it is the oil people reach for to freshen a room, a gym bag or a homemade cleaning spray.",
        top=("Tea tree",),
        moods=("relief",),
        ingredients=_oil("Tea tree", "leaf"),
    ),
    P(
        "EO-ORA-10",
        "sweet-orange-essential-oil",
        "Sweet Orange Essential Oil",
        "essential-oils",
        "citrus",
        790,
        3,
        "10 ml",
        "Cold-pressed Valencian orange: juicy, cheerful and sunny.",
        "Pressed from the peel of Valencia oranges, with all the sweetness of the fruit. It brightens almost any blend and children love it. Low stock: the new season's pressing arrives in spring.",
        top=("Sweet orange",),
        moods=("uplift", "energy"),
        ingredients=_oil("Sweet orange", "peel"),
    ),
    P(
        "EO-YLA-10",
        "ylang-ylang-essential-oil",
        "Ylang-Ylang Essential Oil",
        "essential-oils",
        "floral",
        1690,
        18,
        "10 ml",
        "Extra-grade ylang-ylang from Madagascar: creamy, exotic and sensual.",
        "The first and finest fraction of the distillation of Cananga odorata flowers, picked at dawn on the island of Nosy Be. Rich and sweet; one drop is enough in a blend.",
        heart=("Ylang-ylang",),
        moods=("romance", "calm"),
        ingredients=_oil("Ylang-ylang", "flower (extra grade)"),
    ),
    P(
        "EO-SAN-05",
        "sandalwood-essential-oil",
        "Mysore Sandalwood Oil",
        "essential-oils",
        "woody",
        8900,
        4,
        "5 ml",
        "Rare Indian sandalwood from sustainably managed Mysore trees: creamy and lasting.",
        "Distilled from the heartwood of Santalum album from government-licensed plantations near Mysore, the most prized sandalwood in the world. Soft, milky and long-lasting; a little goes a very long way.",
        base=("Sandalwood",),
        moods=("calm", "romance", "focus"),
        featured=True,
        compare_at=9900,
        ingredients=_oil("Sandalwood", "heartwood"),
    ),
    P(
        "EO-ROS-05",
        "rose-otto-essential-oil",
        "Bulgarian Rose Otto",
        "essential-oils",
        "floral",
        11900,
        0,
        "5 ml",
        "Damask rose otto from the Valley of Roses: deep, true rose.",
        "It takes around 3,500 kg of Rosa damascena petals, hand-picked before the sun is high, to distil one kilo of this oil. Sold out until the next harvest in June; sign up to be told when it returns.",
        heart=("Rose",),
        moods=("romance", "calm", "uplift"),
        ingredients=_oil("Rose", "flower"),
    ),
    # --- Blends ---------------------------------------------------------------
    P(
        "BL-SLEEP-10",
        "deep-sleep-blend",
        "Deep Sleep Blend",
        "blends",
        "floral",
        1850,
        72,
        "10 ml",
        "Lavender, Roman chamomile and vetiver for long, unbroken nights.",
        "Our best-selling blend. Soft lavender and apple-like Roman chamomile settle the mind; a touch of smoky vetiver keeps the scent close and low through the night. Diffuse for 30 minutes before bed.",
        top=("Lavender",),
        heart=("Roman chamomile",),
        base=("Vetiver",),
        moods=("sleep", "calm"),
        featured=True,
        ingredients=_names("Lavender", "Roman chamomile", "Vetiver"),
    ),
    P(
        "BL-MORN-10",
        "morning-ritual-blend",
        "Morning Ritual Blend",
        "blends",
        "citrus",
        1650,
        41,
        "10 ml",
        "Grapefruit, peppermint and rosemary to start the day with a clear head.",
        "A crisp, green-citrus blend for the first hour of the day: pink grapefruit for sparkle, peppermint for a cool lift and Moroccan rosemary for clarity.",
        top=("Grapefruit", "Peppermint"),
        heart=("Rosemary",),
        moods=("energy", "uplift", "focus"),
        ingredients=_names("Grapefruit", "Peppermint", "Rosemary"),
    ),
    P(
        "BL-FOCUS-10",
        "clear-mind-blend",
        "Clear Mind Blend",
        "blends",
        "herbal",
        1750,
        33,
        "10 ml",
        "Rosemary, basil and lemon for long afternoons of concentration.",
        "A herbal, bright blend composed for desks and study rooms. Lemon clears the air, rosemary and basil keep the attention sharp, and a little cedarwood grounds it.",
        top=("Lemon",),
        heart=("Rosemary", "Basil"),
        base=("Cedarwood",),
        moods=("focus", "energy"),
        ingredients=_names("Lemon", "Rosemary", "Basil", "Cedarwood"),
    ),
    P(
        "BL-BREA-10",
        "breathe-easy-blend",
        "Breathe Easy Blend",
        "blends",
        "fresh",
        1550,
        5,
        "10 ml",
        "Eucalyptus, peppermint and Scots pine: a clean breath of forest air.",
        "Fresh, camphoraceous and opening: the blend for winter evenings, stuffy offices and steamy showers. Add three drops to a bowl of hot water and breathe slowly.",
        top=("Eucalyptus", "Peppermint"),
        base=("Scots pine",),
        moods=("relief", "energy"),
        ingredients=_names("Eucalyptus", "Peppermint", "Scots pine"),
    ),
    P(
        "BL-SUN-10",
        "sunlit-citrus-blend",
        "Sunlit Citrus Blend",
        "blends",
        "citrus",
        1450,
        58,
        "10 ml",
        "Sweet orange, bergamot and mandarin: a bowl of sunshine.",
        "Three Mediterranean citrus peels, cold-pressed and blended for their sweetness rather than sharpness. An instant mood-lifter on a grey day.",
        top=("Sweet orange", "Bergamot"),
        heart=("Mandarin",),
        moods=("uplift", "energy"),
        compare_at=1690,
        ingredients=_names("Sweet orange", "Bergamot", "Mandarin"),
    ),
    P(
        "BL-EVEN-10",
        "evening-calm-blend",
        "Evening Calm Blend",
        "blends",
        "floral",
        1750,
        29,
        "10 ml",
        "Lavender, clary sage and frankincense to close the day gently.",
        "For the hour after work: lavender and clary sage loosen the shoulders while frankincense slows the breath. Lovely in a bath with a spoon of carrier oil.",
        top=("Lavender",),
        heart=("Clary sage",),
        base=("Frankincense",),
        moods=("calm", "relief"),
        ingredients=_names("Lavender", "Clary sage", "Frankincense"),
    ),
    P(
        "BL-GROV-10",
        "sacred-grove-blend",
        "Sacred Grove Blend",
        "blends",
        "woody",
        1950,
        17,
        "10 ml",
        "Cedarwood, cypress and frankincense: a walk in an old forest.",
        "Dry, green and resinous: Atlas cedarwood and Provençal cypress over a base of frankincense. Grounding on restless days; many customers use it for meditation.",
        top=("Cypress",),
        heart=("Cedarwood",),
        base=("Frankincense",),
        moods=("calm", "focus"),
        ingredients=_names("Cypress", "Cedarwood", "Frankincense"),
    ),
    P(
        "BL-VELV-10",
        "velvet-night-blend",
        "Velvet Night Blend",
        "blends",
        "floral",
        2200,
        12,
        "10 ml",
        "Rose, jasmine, ylang-ylang and sandalwood: warm, floral and intimate.",
        "Our most sensual blend: Damask rose and night-picked jasmine over creamy ylang-ylang, grounded by sandalwood. Diffuse it, or dilute it in jojoba for a massage oil.",
        top=("Ylang-ylang",),
        heart=("Rose", "Jasmine"),
        base=("Sandalwood",),
        moods=("romance",),
        featured=True,
        ingredients=_names("Rose", "Jasmine", "Ylang-ylang", "Sandalwood"),
    ),
    # --- Diffusers ------------------------------------------------------------
    P(
        "DF-REED-LAC",
        "lavender-cedar-reed-diffuser",
        "Lavender & Cedar Reed Diffuser",
        "diffusers",
        "floral",
        3200,
        26,
        "100 ml",
        "A calm, steady scent for the bedroom for around eight weeks.",
        "French lavender over Atlas cedarwood in an amber glass bottle with eight natural rattan reeds. No flame, no electricity: just turn the reeds once a week.",
        top=("Lavender",),
        base=("Cedarwood",),
        moods=("calm", "sleep"),
        ingredients="Plant-based diffuser base, " + _names("Lavender", "Cedarwood") + ".",
    ),
    P(
        "DF-REED-NER",
        "neroli-reed-diffuser",
        "Neroli & Bergamot Reed Diffuser",
        "diffusers",
        "floral",
        3400,
        14,
        "100 ml",
        "Orange blossom and bergamot: a bright hallway, every day.",
        "Tunisian neroli with sparkling Calabrian bergamot, for entrances, hallways and bathrooms. Lasts around eight weeks.",
        top=("Bergamot",),
        heart=("Neroli",),
        moods=("uplift",),
        featured=True,
        ingredients="Plant-based diffuser base, " + _names("Neroli", "Bergamot") + ".",
    ),
    P(
        "DF-REED-FIG",
        "fireside-reed-diffuser",
        "Fireside Reed Diffuser",
        "diffusers",
        "spicy",
        3400,
        2,
        "100 ml",
        "Clove, cinnamon and cedarwood for long winter evenings.",
        "Warm spices over dry cedarwood and a hint of vanilla: the smell of a room with a fire lit. Lasts around eight weeks.",
        top=("Clove",),
        heart=("Cinnamon bark",),
        base=("Cedarwood", "Vanilla"),
        moods=("calm", "romance"),
        ingredients="Plant-based diffuser base, "
        + _names("Clove", "Cinnamon bark", "Cedarwood", "Vanilla")
        + ".",
    ),
    P(
        "DF-ULTRA-STW",
        "stillwater-ultrasonic-diffuser",
        "Stillwater Ceramic Diffuser",
        "diffusers",
        "herbal",
        5900,
        19,
        "1 piece, 150 ml tank",
        "A whisper-quiet ceramic ultrasonic diffuser, with 10 ml of Evening Calm blend.",
        "Hand-glazed stoneware cover, 150 ml tank, up to 6 hours of fine cool mist, automatic shut-off when empty and an optional warm glow. Comes with a 10 ml bottle of our Evening Calm blend to start.",
        top=("Lavender",),
        heart=("Clary sage",),
        base=("Frankincense",),
        moods=("calm", "sleep"),
        featured=True,
        compare_at=6900,
        ingredients="Stoneware, BPA-free polypropylene tank, USB-C power. Included oil: "
        + _names("Lavender", "Clary sage", "Frankincense")
        + ".",
    ),
    P(
        "DF-NEB-GLS",
        "glass-nebulising-diffuser",
        "Glass Nebulising Diffuser",
        "diffusers",
        "woody",
        8900,
        7,
        "1 piece",
        "Waterless, hand-blown glass nebuliser for a strong, pure scent.",
        "A nebuliser turns undiluted oil into a fine, strong vapour with no water or heat. Hand-blown borosilicate glass on a walnut base; timer with 10-minute cycles. Comes with 10 ml of Sacred Grove blend.",
        top=("Cypress",),
        heart=("Cedarwood",),
        base=("Frankincense",),
        moods=("focus", "calm"),
        ingredients="Borosilicate glass, walnut wood, USB-C power. Included oil: "
        + _names("Cypress", "Cedarwood", "Frankincense")
        + ".",
    ),
    P(
        "DF-CAR-PEP",
        "car-vent-diffuser",
        "Car Vent Diffuser",
        "diffusers",
        "fresh",
        1800,
        40,
        "1 piece, 5 refill pads",
        "A brushed-steel vent clip with felt pads and 5 ml of Breathe Easy blend.",
        "Clip it to the air vent, add three drops to a felt pad and drive with a clear head. Five washable pads included.",
        top=("Eucalyptus", "Peppermint"),
        base=("Scots pine",),
        moods=("focus", "energy"),
        ingredients="Stainless steel, wool felt. Included oil: "
        + _names("Eucalyptus", "Peppermint", "Scots pine")
        + ".",
    ),
    # --- Candles --------------------------------------------------------------
    P(
        "CA-LAV-200",
        "lavender-vetiver-candle",
        "Lavender & Vetiver Candle",
        "candles",
        "floral",
        2800,
        34,
        "200 g",
        "Soy wax, cotton wick, lavender and smoky vetiver: the bedtime candle.",
        "Hand-poured in small batches into a reusable amber jar. French lavender on top, Haitian vetiver underneath: calming without being sleepy-sweet. About 45 hours of burning.",
        top=("Lavender",),
        base=("Vetiver",),
        moods=("calm", "sleep"),
        featured=True,
        ingredients="Soy wax, cotton wick, " + _names("Lavender", "Vetiver") + ".",
    ),
    P(
        "CA-FIRE-200",
        "fireside-candle",
        "Fireside Candle",
        "candles",
        "spicy",
        2800,
        21,
        "200 g",
        "Clove, cinnamon, black pepper and cedarwood: a crackling winter evening.",
        "Our winter favourite: warm spices and dry cedarwood with a wooden wick that crackles softly as it burns. About 40 hours of burning.",
        top=("Black pepper",),
        heart=("Clove", "Cinnamon bark"),
        base=("Cedarwood",),
        moods=("calm", "romance"),
        compare_at=3200,
        ingredients="Soy and rapeseed wax, wooden wick, "
        + _names("Black pepper", "Clove", "Cinnamon bark", "Cedarwood")
        + ".",
    ),
    P(
        "CA-NER-200",
        "neroli-morning-candle",
        "Neroli Morning Candle",
        "candles",
        "floral",
        3000,
        15,
        "200 g",
        "Orange blossom, petitgrain-bright bergamot and a soft white musk of benzoin.",
        "A luminous, airy candle for breakfast tables and sunny rooms: Tunisian neroli, Calabrian bergamot and a whisper of benzoin.",
        top=("Bergamot",),
        heart=("Neroli",),
        base=("Benzoin",),
        moods=("uplift",),
        ingredients="Soy wax, cotton wick, " + _names("Bergamot", "Neroli", "Benzoin") + ".",
    ),
    P(
        "CA-ROSE-200",
        "rose-sandalwood-candle",
        "Rose & Sandalwood Candle",
        "candles",
        "floral",
        3600,
        9,
        "200 g",
        "Bulgarian rose over creamy sandalwood, in a smoke-grey glass jar.",
        "A romantic, velvety candle: Damask rose and geranium on a warm sandalwood base. Beautiful for a bath or a long dinner.",
        top=("Geranium",),
        heart=("Rose",),
        base=("Sandalwood",),
        moods=("romance", "calm"),
        ingredients="Soy wax, cotton wick, " + _names("Geranium", "Rose", "Sandalwood") + ".",
    ),
    P(
        "CA-CIT-200",
        "citrus-grove-candle",
        "Citrus Grove Candle",
        "candles",
        "citrus",
        2600,
        30,
        "200 g",
        "Lemon, lime and lemongrass: a freshly cleaned kitchen in summer.",
        "Zesty and green, with Amalfi lemon, Mexican lime and Keralan lemongrass. Chases away cooking smells in minutes.",
        top=("Lemon", "Lime"),
        heart=("Lemongrass",),
        moods=("uplift", "energy"),
        ingredients="Soy wax, cotton wick, " + _names("Lemon", "Lime", "Lemongrass") + ".",
    ),
    P(
        "CA-EUC-200",
        "eucalyptus-mint-candle",
        "Eucalyptus & Mint Candle",
        "candles",
        "fresh",
        2600,
        0,
        "200 g",
        "Spa-fresh eucalyptus and spearmint over a touch of cedarwood.",
        "A clean, spa-like candle for the bathroom. Sold out: a new batch is curing and will be back in two weeks.",
        top=("Eucalyptus", "Spearmint"),
        base=("Cedarwood",),
        moods=("relief", "energy"),
        ingredients="Soy wax, cotton wick, " + _names("Eucalyptus", "Spearmint", "Cedarwood") + ".",
    ),
    P(
        "CA-VAN-200",
        "vanilla-tonka-candle",
        "Vanilla & Tonka Candle",
        "candles",
        "sweet",
        2900,
        26,
        "200 g",
        "Madagascan vanilla and tonka bean with a little cardamom: soft and cosy.",
        "A warm, gourmand candle without any sugary synthetic notes: real vanilla absolute and tonka bean, lifted by green cardamom.",
        top=("Cardamom",),
        heart=("Tonka bean",),
        base=("Vanilla",),
        moods=("calm", "romance"),
        ingredients="Soy wax, cotton wick, " + _names("Cardamom", "Tonka bean", "Vanilla") + ".",
    ),
    P(
        "CA-FRM-200",
        "frankincense-myrrh-candle",
        "Frankincense & Myrrh Candle",
        "candles",
        "resinous",
        3200,
        13,
        "200 g",
        "Omani frankincense and Somali myrrh: quiet, resinous and meditative.",
        "The two oldest perfumes in the world, in a candle for slow evenings and meditation. Hand-poured into a black glass jar.",
        top=("Frankincense",),
        heart=("Myrrh",),
        base=("Benzoin",),
        moods=("calm", "focus"),
        ingredients="Soy wax, cotton wick, " + _names("Frankincense", "Myrrh", "Benzoin") + ".",
    ),
    # --- Soaps & bath ---------------------------------------------------------
    P(
        "SB-SOAP-LAV",
        "lavender-oat-soap",
        "Lavender & Oat Soap",
        "soaps-bath",
        "floral",
        750,
        90,
        "100 g",
        "A gentle cold-process bar with colloidal oats and French lavender.",
        "Made with olive, coconut and shea butter, cured for six weeks. Fine oats soften the lather for sensitive skin.",
        heart=("Lavender",),
        moods=("calm",),
        compare_at=850,
        ingredients="Sodium olivate, sodium cocoate, sodium shea butterate, aqua, Avena sativa (oat) kernel flour, Lavandula angustifolia (lavender) oil.",
    ),
    P(
        "SB-SOAP-CHA",
        "charcoal-tea-tree-soap",
        "Charcoal & Tea Tree Soap",
        "soaps-bath",
        "fresh",
        800,
        60,
        "100 g",
        "A deep-cleansing bar with bamboo charcoal, tea tree and peppermint.",
        "Activated bamboo charcoal draws out the day; tea tree and peppermint leave skin feeling cool and clean. Ideal after sport.",
        top=("Peppermint",),
        heart=("Tea tree",),
        moods=("energy", "relief"),
        ingredients="Sodium olivate, sodium cocoate, aqua, charcoal powder, Melaleuca alternifolia (tea tree) oil, Mentha piperita (peppermint) oil.",
    ),
    P(
        "SB-SOAP-ROS",
        "rose-clay-soap",
        "Rose Clay Soap",
        "soaps-bath",
        "floral",
        850,
        4,
        "100 g",
        "Pink French clay with rose geranium: soft, rosy and nourishing.",
        "Coloured only with pink kaolin clay and scented with rose geranium and a little real rose. Rich in shea butter.",
        heart=("Geranium", "Rose"),
        moods=("romance", "calm"),
        ingredients="Sodium olivate, sodium shea butterate, aqua, kaolin, Pelargonium graveolens (geranium) oil, Rosa damascena (rose) oil.",
    ),
    P(
        "SB-SALT-EUC",
        "eucalyptus-bath-salts",
        "Eucalyptus Bath Salts",
        "soaps-bath",
        "fresh",
        1600,
        35,
        "500 g",
        "Dead Sea and Epsom salts with eucalyptus and rosemary, for tired muscles.",
        "A mineral-rich soak for after a long walk or a hard workout: Dead Sea salt, magnesium-rich Epsom salt, eucalyptus and Moroccan rosemary.",
        top=("Eucalyptus",),
        heart=("Rosemary",),
        moods=("relief", "energy"),
        ingredients="Maris sal (Dead Sea salt), magnesium sulfate, "
        + _names("Eucalyptus", "Rosemary")
        + ".",
    ),
    P(
        "SB-SOAK-SLP",
        "sleep-bath-soak",
        "Sleep Bath Soak",
        "soaps-bath",
        "floral",
        1800,
        28,
        "400 g",
        "Magnesium flakes, lavender and chamomile for a sleepy evening bath.",
        "Zechstein magnesium flakes with lavender, Roman chamomile and sandalwood. Soak for 20 minutes, then straight to bed.",
        top=("Lavender",),
        heart=("Roman chamomile",),
        base=("Sandalwood",),
        moods=("sleep", "calm"),
        featured=True,
        ingredients="Magnesium chloride, "
        + _names("Lavender", "Roman chamomile", "Sandalwood")
        + ".",
    ),
    P(
        "SB-OIL-BER",
        "bergamot-body-oil",
        "Bergamot & Neroli Body Oil",
        "soaps-bath",
        "citrus",
        2400,
        20,
        "100 ml",
        "A light, dry-feel body oil of jojoba and sweet almond with bergamot and neroli.",
        "Sinks in quickly without greasiness. Massage into damp skin after a shower; a luminous citrus-floral scent stays on the skin for hours.",
        top=("Bergamot",),
        heart=("Neroli",),
        moods=("uplift", "romance"),
        ingredients="Simmondsia chinensis (jojoba) seed oil, Prunus amygdalus dulcis (sweet almond) oil, "
        + _names("Bergamot", "Neroli")
        + ".",
    ),
    P(
        "SB-STEAM-PEP",
        "peppermint-shower-steamers",
        "Peppermint Shower Steamers",
        "soaps-bath",
        "fresh",
        1200,
        45,
        "6 x 40 g",
        "Fizzing tablets for the shower floor: peppermint and eucalyptus vapour.",
        "Place one steamer on the shower floor away from the direct stream. As it fizzes, it releases a cool cloud of peppermint and eucalyptus.",
        top=("Peppermint", "Eucalyptus"),
        moods=("energy", "relief"),
        ingredients="Sodium bicarbonate, citric acid, " + _names("Peppermint", "Eucalyptus") + ".",
    ),
    P(
        "SB-WASH-GRN",
        "green-herb-hand-wash",
        "Green Herb Hand Wash",
        "soaps-bath",
        "herbal",
        1400,
        52,
        "300 ml",
        "A gentle hand wash with basil, thyme and lime, in a refillable glass bottle.",
        "Coconut-based cleansers with aloe vera; green, herbal and zesty. Refill pouches available.",
        top=("Lime",),
        heart=("Basil", "Thyme"),
        moods=("uplift", "energy"),
        ingredients="Aqua, coco-glucoside, glycerin, Aloe barbadensis leaf juice, "
        + _names("Lime", "Basil", "Thyme")
        + ".",
    ),
    # --- Gift sets ------------------------------------------------------------
    P(
        "GS-SLEEP",
        "sleep-well-gift-set",
        "Sleep Well Gift Set",
        "gift-sets",
        "floral",
        4900,
        16,
        "3 items",
        "Deep Sleep blend, Lavender & Vetiver candle and Sleep Bath Soak, boxed.",
        "Everything for a slow, sleepy evening: a bath, a candle and a blend for the diffuser. Comes in a recycled card box with a ribbon.",
        top=("Lavender",),
        heart=("Roman chamomile",),
        base=("Vetiver",),
        moods=("sleep", "calm"),
        featured=True,
        compare_at=5700,
        ingredients="Deep Sleep Blend 10 ml, Lavender & Vetiver Candle 200 g, Sleep Bath Soak 400 g.",
    ),
    P(
        "GS-TRIO-ESS",
        "essentials-trio",
        "Essential Oil Essentials Trio",
        "gift-sets",
        "herbal",
        2600,
        33,
        "3 x 10 ml",
        "Lavender, peppermint and tea tree: the three oils every home needs.",
        "The three most useful oils in one box, each 10 ml, with a booklet of 20 simple ways to use them.",
        top=("Peppermint", "Tea tree"),
        heart=("Lavender",),
        moods=("calm", "energy", "relief"),
        compare_at=3190,
        ingredients="Lavender Essential Oil 10 ml, Peppermint Essential Oil 10 ml, Tea Tree Essential Oil 10 ml.",
    ),
    P(
        "GS-START-DIF",
        "diffuser-starter-kit",
        "Diffuser Starter Kit",
        "gift-sets",
        "citrus",
        7900,
        6,
        "4 items",
        "The Stillwater diffuser with three 10 ml blends: Morning, Clear Mind and Deep Sleep.",
        "A whole day in a box: wake up with Morning Ritual, work with Clear Mind, fall asleep with Deep Sleep. Diffuser and oils in a gift box.",
        top=("Grapefruit", "Lemon"),
        heart=("Rosemary",),
        base=("Vetiver",),
        moods=("energy", "focus", "sleep"),
        compare_at=9600,
        ingredients="Stillwater Ceramic Diffuser, Morning Ritual Blend 10 ml, Clear Mind Blend 10 ml, Deep Sleep Blend 10 ml.",
    ),
    P(
        "GS-SELF-CARE",
        "self-care-box",
        "Self-Care Box",
        "gift-sets",
        "floral",
        5900,
        11,
        "5 items",
        "Rose Clay soap, body oil, bath salts, Velvet Night blend and a cotton wash cloth.",
        "A generous box for someone who needs an evening off: rosy, citrus and floral treats for the bath and the skin.",
        top=("Bergamot",),
        heart=("Rose", "Neroli"),
        base=("Sandalwood",),
        moods=("romance", "calm", "uplift"),
        ingredients="Rose Clay Soap 100 g, Bergamot & Neroli Body Oil 100 ml, Eucalyptus Bath Salts 500 g, Velvet Night Blend 10 ml, organic cotton cloth.",
    ),
    P(
        "GS-CITRUS",
        "citrus-discovery-set",
        "Citrus Discovery Set",
        "gift-sets",
        "citrus",
        3400,
        24,
        "5 x 5 ml",
        "Five cold-pressed citrus oils to smell side by side.",
        "Bergamot, sweet orange, lemon, grapefruit and mandarin in 5 ml bottles, with smelling strips and notes on each origin. A lovely introduction to blending.",
        top=("Bergamot", "Sweet orange", "Lemon", "Grapefruit"),
        heart=("Mandarin",),
        moods=("uplift", "energy"),
        ingredients="5 ml each of bergamot, sweet orange, lemon, grapefruit and mandarin essential oils.",
    ),
    P(
        "GS-CANDLE-TRIO",
        "candle-trio",
        "Candle Trio",
        "gift-sets",
        "woody",
        4200,
        1,
        "3 x 70 g",
        "Three travel candles: Fireside, Neroli Morning and Frankincense & Myrrh.",
        "Our three most-loved candles in a 70 g travel size, about 15 hours each. Last boxes of the season.",
        top=("Bergamot",),
        heart=("Neroli", "Clove"),
        base=("Frankincense", "Cedarwood"),
        moods=("calm", "uplift"),
        ingredients="Fireside Candle 70 g, Neroli Morning Candle 70 g, Frankincense & Myrrh Candle 70 g.",
    ),
]

CATEGORY_NAMES = {c["slug"]: c["name"] for c in CATEGORIES}


def product_fields(data: ProductData) -> dict:
    """The Product column values for one demo product (without category, M2M and sizes)."""
    return {
        "name": data.name,
        "short_description": data.short,
        "description": data.description,
        "meta_description": data.short[:160],
        "is_active": True,
        "is_featured": data.featured,
        "scent_family": data.family,
        "ingredients": data.ingredients,
        "how_to_use": data.how_to_use or HOW_TO_USE[data.category],
    }


@dataclass(frozen=True)
class SizeData:
    label: str
    sku: str
    price: int
    stock: int
    weight_grams: int
    compare_at: int | None = None


def _shelf_price(amount: float) -> int:
    """Round to a shop price ending in .50 or .90 (minor units)."""
    whole = int(amount // 100)
    return whole * 100 + (50 if amount - whole * 100 < 70 else 90)


def _weight(size: str) -> int:
    """A plausible packed weight for a size label: liquids and solids plus packaging."""
    number = "".join(c if c.isdigit() else " " for c in size).split()
    amount = int(number[-1]) * (int(number[0]) if " x " in size else 1) if number else 0
    if "ml" in size or " g" in size:
        return amount + 40 + amount // 5
    return 450


def sizes(data: ProductData) -> list[SizeData]:
    """The sizes a demo product comes in, the product's own size first in the list order.

    Oils and blends in 5, 10 and 30 ml, candles and reed diffusers in two sizes, bar
    soaps single or as a pack of three; everything else in the one size it has. The
    product's original size keeps its SKU, price and stock, so links and orders made
    before sizes existed still point at the same thing.
    """
    own = SizeData(
        label=data.size,
        sku=data.sku,
        price=data.price,
        stock=data.stock,
        weight_grams=_weight(data.size),
        compare_at=data.compare_at,
    )
    base = data.sku.removesuffix("-10").removesuffix("-5")
    if data.category in ("essential-oils", "blends") and data.size == "10 ml":
        return [
            SizeData("5 ml", f"{base}-5", _shelf_price(data.price * 0.62), data.stock // 2 + 3, 45),
            own,
            SizeData("30 ml", f"{base}-30", _shelf_price(data.price * 2.3), data.stock // 3, 110),
        ]
    if data.category == "essential-oils" and data.size == "5 ml":
        return [
            own,
            SizeData("10 ml", f"{base}-10", _shelf_price(data.price * 1.7), data.stock // 2, 60),
        ]
    if data.category == "candles" and data.size == "200 g":
        return [
            own,
            SizeData(
                "400 g", f"{data.sku}-L", _shelf_price(data.price * 1.65), data.stock // 2, 620
            ),
        ]
    if data.category == "diffusers" and data.size == "100 ml":
        return [
            own,
            SizeData(
                "200 ml", f"{data.sku}-L", _shelf_price(data.price * 1.6), data.stock // 2, 480
            ),
        ]
    if data.category == "soaps-bath" and data.size == "100 g":
        return [
            SizeData("Single bar", data.sku, data.price, data.stock, _weight(data.size)),
            SizeData("Pack of 3", f"{data.sku}-3", data.price * 3 - 300, data.stock // 3, 420),
        ]
    return [own]


def image_alt_texts(data: ProductData) -> list[str]:
    """Alt text for the two drawn pictures of a demo product."""
    notes = [*data.top, *data.heart, *data.base]
    unique = list(dict.fromkeys(n.lower() for n in notes))
    scent = ", ".join(unique[:3])
    return [
        f"{data.name}: label on a soft {data.family} background",
        f"{data.name} with sprigs suggesting its notes of {scent}",
    ]
