//! The demo museum's vocabulary: bilingual terms, places, periods and name parts of a
//! Lingnan provincial museum. Written for Vitrine; facts (dynasties, kilns, taxa) are
//! public knowledge, every person and every object is invented.

/// `(zh, en)`.
pub type Pair = (&'static str, &'static str);

/// Periods: zh, en, earliest year, latest year (negative = BCE).
pub const PERIODS: &[(&str, &str, i32, i32)] = &[
    ("新石器时代", "Neolithic", -8000, -2000),
    ("商", "Shang dynasty", -1600, -1046),
    ("西周", "Western Zhou", -1046, -771),
    ("春秋", "Spring and Autumn period", -770, -476),
    ("战国", "Warring States period", -475, -221),
    ("西汉", "Western Han", -206, 8),
    ("东汉", "Eastern Han", 25, 220),
    ("南朝", "Southern Dynasties", 420, 589),
    ("唐", "Tang dynasty", 618, 907),
    ("五代", "Five Dynasties", 907, 960),
    ("北宋", "Northern Song", 960, 1127),
    ("南宋", "Southern Song", 1127, 1279),
    ("元", "Yuan dynasty", 1271, 1368),
    ("明", "Ming dynasty", 1368, 1644),
    ("清", "Qing dynasty", 1644, 1911),
    ("民国", "Republic of China", 1912, 1949),
    // Geological periods for fossils.
    ("寒武纪", "Cambrian", -541_000_000, -485_000_000),
    ("石炭纪", "Carboniferous", -359_000_000, -299_000_000),
    ("侏罗纪", "Jurassic", -201_000_000, -145_000_000),
    ("白垩纪", "Cretaceous", -145_000_000, -66_000_000),
];

/// Reign marks written on Ming and Qing porcelain: zh reign, en reign, mark, first year, last year.
pub const REIGNS: &[(&str, &str, &str, i32, i32)] = &[
    ("明宣德", "Xuande reign, Ming", "大明宣德年制", 1426, 1435),
    ("明成化", "Chenghua reign, Ming", "大明成化年制", 1465, 1487),
    ("明嘉靖", "Jiajing reign, Ming", "大明嘉靖年制", 1522, 1566),
    ("明万历", "Wanli reign, Ming", "大明万历年制", 1573, 1620),
    ("清康熙", "Kangxi reign, Qing", "大清康熙年制", 1662, 1722),
    (
        "清雍正",
        "Yongzheng reign, Qing",
        "大清雍正年制",
        1723,
        1735,
    ),
    ("清乾隆", "Qianlong reign, Qing", "大清乾隆年制", 1736, 1795),
    ("清光绪", "Guangxu reign, Qing", "大清光绪年制", 1875, 1908),
];

/// A place: zh, en, type, parent index (into `PLACES`), latitude, longitude.
pub type PlaceRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<usize>,
    f64,
    f64,
);

/// Places of production and collecting.
pub const PLACES: &[PlaceRow] = &[
    ("中国", "China", "country", None, 35.0, 103.0),
    ("广东省", "Guangdong", "province", Some(0), 23.4, 113.5),
    ("广州", "Guangzhou", "prefecture", Some(1), 23.13, 113.26),
    ("佛山", "Foshan", "prefecture", Some(1), 23.02, 113.12),
    ("石湾", "Shiwan", "town", Some(3), 23.0, 113.08),
    ("潮州", "Chaozhou", "prefecture", Some(1), 23.66, 116.62),
    ("肇庆", "Zhaoqing", "prefecture", Some(1), 23.05, 112.47),
    ("端溪", "Duanxi", "site", Some(6), 23.08, 112.55),
    ("汕头", "Shantou", "prefecture", Some(1), 23.35, 116.68),
    ("江门", "Jiangmen", "prefecture", Some(1), 22.58, 113.08),
    ("阳江", "Yangjiang", "prefecture", Some(1), 21.86, 111.98),
    ("南海", "South China Sea", "sea", Some(0), 15.0, 115.0),
    ("梅州", "Meizhou", "prefecture", Some(1), 24.29, 116.12),
    ("韶关", "Shaoguan", "prefecture", Some(1), 24.81, 113.6),
    ("河源", "Heyuan", "prefecture", Some(1), 23.74, 114.7),
    ("湛江", "Zhanjiang", "prefecture", Some(1), 21.27, 110.36),
    ("江西省", "Jiangxi", "province", Some(0), 27.6, 115.9),
    (
        "景德镇",
        "Jingdezhen",
        "prefecture",
        Some(16),
        29.27,
        117.18,
    ),
    ("浙江省", "Zhejiang", "province", Some(0), 29.2, 120.1),
    ("龙泉", "Longquan", "county", Some(18), 28.07, 119.14),
    ("广西", "Guangxi", "province", Some(0), 23.7, 108.8),
    ("云南省", "Yunnan", "province", Some(0), 25.0, 101.5),
    ("海南省", "Hainan", "province", Some(0), 19.2, 109.7),
];

/// Materials.
pub const MATERIALS: &[Pair] = &[
    ("瓷", "porcelain"),
    ("陶", "earthenware"),
    ("炻器", "stoneware"),
    ("青铜", "bronze"),
    ("纸", "paper"),
    ("绢", "silk"),
    ("墨", "ink"),
    ("设色", "colour pigments"),
    ("端石", "Duan stone"),
    ("木", "wood"),
    ("金漆", "gold lacquer"),
    ("丝线", "silk thread"),
    ("金线", "gold thread"),
    ("象牙", "ivory"),
    ("玉", "jade"),
    ("矿物", "mineral"),
    ("化石", "fossil"),
    ("昆虫标本", "insect specimen"),
    ("植物标本", "herbarium specimen"),
    ("银", "silver"),
];

/// Techniques.
pub const TECHNIQUES: &[Pair] = &[
    ("青花", "underglaze blue"),
    ("青釉", "celadon glaze"),
    ("粉彩", "famille rose enamels"),
    ("广彩", "Canton enamels"),
    ("仿钧釉", "imitation Jun glaze"),
    ("雕塑", "modelling"),
    ("范铸", "piece-mould casting"),
    ("失蜡法", "lost-wax casting"),
    ("水墨", "ink wash"),
    ("撞水撞粉", "water-and-powder splashing"),
    ("行书", "running script"),
    ("楷书", "regular script"),
    ("隶书", "clerical script"),
    ("草书", "cursive script"),
    ("浮雕", "relief carving"),
    ("通雕", "openwork carving"),
    ("贴金", "gilding"),
    ("平绣", "satin stitch"),
    ("钉金绣", "couched gold embroidery"),
    ("镂雕", "pierced carving"),
    ("砚雕", "inkstone carving"),
    ("浸制", "wet preservation"),
    ("展翅", "spread-wing mounting"),
    ("压制", "pressing"),
];

/// Collections (sub-collections of the departments): code, zh, en, department.
pub const COLLECTIONS: &[(&str, &str, &str, &str)] = &[
    ("ceramics", "陶瓷", "Ceramics", "history"),
    ("bronzes", "青铜器", "Bronzes", "history"),
    ("painting", "书画", "Painting and calligraphy", "fine_arts"),
    ("studio", "文房用具", "Scholar's objects", "fine_arts"),
    (
        "woodcarving",
        "潮州木雕",
        "Chaozhou woodcarving",
        "fine_arts",
    ),
    ("embroidery", "粤绣", "Guangdong embroidery", "fine_arts"),
    ("carving", "牙雕玉雕", "Ivory and jade carving", "fine_arts"),
    ("minerals", "矿物", "Minerals", "natural_history"),
    ("fossils", "化石", "Fossils", "natural_history"),
    ("insects", "昆虫", "Insects", "natural_history"),
    ("plants", "植物", "Plants", "natural_history"),
];

/// Classifications.
pub const CLASSIFICATIONS: &[Pair] = &[
    ("一级文物", "Grade 1 cultural relic"),
    ("二级文物", "Grade 2 cultural relic"),
    ("三级文物", "Grade 3 cultural relic"),
    ("一般文物", "General cultural relic"),
    ("模式标本", "Type specimen"),
    ("一般标本", "Reference specimen"),
];

/// Chinese surnames with pinyin.
pub const SURNAMES: &[Pair] = &[
    ("陈", "Chen"),
    ("黄", "Huang"),
    ("李", "Li"),
    ("梁", "Liang"),
    ("林", "Lin"),
    ("何", "He"),
    ("罗", "Luo"),
    ("郭", "Guo"),
    ("邓", "Deng"),
    ("冯", "Feng"),
    ("苏", "Su"),
    ("叶", "Ye"),
    ("潘", "Pan"),
    ("区", "Ou"),
    ("谭", "Tan"),
    ("麦", "Mai"),
    ("伍", "Wu"),
    ("卢", "Lu"),
    ("蔡", "Cai"),
    ("钟", "Zhong"),
];

/// Given-name syllables with pinyin.
pub const GIVEN: &[Pair] = &[
    ("剑", "jian"),
    ("树", "shu"),
    ("奇", "qi"),
    ("少", "shao"),
    ("海", "hai"),
    ("云", "yun"),
    ("松", "song"),
    ("墨", "mo"),
    ("石", "shi"),
    ("秋", "qiu"),
    ("逸", "yi"),
    ("鹤", "he"),
    ("梅", "mei"),
    ("兰", "lan"),
    ("竹", "zhu"),
    ("菊", "ju"),
    ("泉", "quan"),
    ("山", "shan"),
    ("文", "wen"),
    ("德", "de"),
    ("华", "hua"),
    ("明", "ming"),
    ("清", "qing"),
    ("远", "yuan"),
];

/// Motifs for titles: zh, en.
pub const MOTIFS: &[Pair] = &[
    ("缠枝莲纹", "with lotus scrolls"),
    ("龙纹", "with dragons"),
    ("凤纹", "with phoenixes"),
    ("山水纹", "with landscape"),
    ("花鸟纹", "with birds and flowers"),
    ("婴戏纹", "with boys at play"),
    ("鱼藻纹", "with fish and water weeds"),
    ("人物故事纹", "with figure scenes"),
    ("云鹤纹", "with cranes among clouds"),
    ("海水纹", "with waves"),
    ("八宝纹", "with the eight treasures"),
    ("折枝花果纹", "with fruiting sprays"),
];

/// Painting subjects: zh, en.
pub const SUBJECTS: &[Pair] = &[
    ("木棉", "Kapok blossoms"),
    ("岭南山水", "Lingnan landscape"),
    ("荔枝", "Lychees"),
    ("鹰", "Eagle"),
    ("虎", "Tiger"),
    ("芭蕉", "Banana leaves"),
    ("珠江夜月", "Moonlit night on the Pearl River"),
    ("罗浮山", "Mount Luofu"),
    ("秋林", "Autumn woods"),
    ("墨竹", "Ink bamboo"),
    ("鱼乐", "Joyful fish"),
    ("归帆", "Returning sails"),
    ("春江", "River in spring"),
    ("双鹤", "Pair of cranes"),
    ("螃蟹", "Crabs"),
    ("白梅", "White plum blossoms"),
];

/// Calligraphy forms: zh, en.
pub const CALLIGRAPHY: &[Pair] = &[
    ("对联", "couplet"),
    ("中堂", "hanging scroll"),
    ("扇面", "fan leaf"),
    ("手卷", "handscroll"),
    ("册页", "album leaf"),
];

/// Insects: scientific name, zh, en.
pub const INSECTS: &[(&str, &str, &str)] = &[
    ("Troides helena", "金裳凤蝶", "common birdwing"),
    ("Papilio bianor", "碧凤蝶", "Chinese peacock"),
    ("Kallima inachus", "枯叶蛱蝶", "orange oakleaf"),
    ("Attacus atlas", "乌桕大蚕蛾", "atlas moth"),
    ("Graphium sarpedon", "青凤蝶", "common bluebottle"),
    ("Cyclommatus scutellaris", "锹甲", "stag beetle"),
    ("Tessaratoma papillosa", "荔枝蝽", "lychee stink bug"),
];

/// Plants: scientific name, zh, en.
pub const PLANTS: &[(&str, &str, &str)] = &[
    ("Bombax ceiba", "木棉", "red silk-cotton tree"),
    ("Camellia japonica", "山茶", "camellia"),
    ("Cycas revoluta", "苏铁", "sago palm"),
    ("Litchi chinensis", "荔枝", "lychee"),
    ("Alsophila spinulosa", "桫椤", "spiny tree fern"),
    ("Bauhinia × blakeana", "洋紫荆", "Hong Kong orchid tree"),
];

/// Minerals: name, zh, en.
pub const MINERALS: &[(&str, &str, &str)] = &[
    ("Quartz", "石英", "quartz"),
    ("Fluorite", "萤石", "fluorite"),
    ("Stibnite", "辉锑矿", "stibnite"),
    ("Cinnabar", "辰砂", "cinnabar"),
    ("Wolframite", "黑钨矿", "wolframite"),
    ("Calcite", "方解石", "calcite"),
];

/// Fossils: name, zh, en, period index.
pub const FOSSILS: &[(&str, &str, &str, usize)] = &[
    (
        "Dinosaur egg (Oofamily Elongatoolithidae)",
        "恐龙蛋",
        "dinosaur egg",
        19,
    ),
    ("Redlichia", "莱德利基虫", "trilobite", 16),
    ("Lepidodendron", "鳞木", "scale tree", 17),
    (
        "Sinosauropteryx",
        "中华龙鸟（复制品）",
        "feathered dinosaur (cast)",
        18,
    ),
];

/// Donors and sources (invented): zh, en.
pub const DONORS: &[Pair] = &[
    ("陈氏家族", "the Chen family"),
    ("黄伯文先生", "Mr Huang Bowen"),
    ("岭南收藏学会", "the Lingnan Collectors' Society"),
    ("梁少华女士", "Ms Liang Shaohua"),
    ("区文德先生", "Mr Ou Wende"),
    ("潮州商会", "the Chaozhou Chamber of Commerce"),
];
