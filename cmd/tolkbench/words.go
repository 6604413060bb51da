package main

// The vocabulary of the generated corpus: municipal topics written in
// Swedish, English and Simplified Chinese. Templates fill the slots
// {subject}, {place}, {year}, {date}, {n} and {k}; every text of a topic
// exists in all three languages with the same slots, so that the versions
// of one article are translations of each other.

// The stored languages of the corpus, as indexes into a text.
const (
	sv = iota
	en
	zh
	numLangs
)

// langTags are the BCP 47 tags of the stored languages, by index.
var langTags = [numLangs]string{"sv", "en", "zh-Hans"}

// text is one piece of text in every stored language.
type text [numLangs]string

// name is a text that also names something in slugs: slug is its
// ASCII form (pinyin for the Chinese slug, a folded name for places).
type name struct {
	text
	slug string
}

// topic is one area of municipal news.
type topic struct {
	tags      []string // the first is always used, the others most of the time
	subjects  []name   // what a title is about
	titles    []name   // title templates; slug is the pinyin of the template's own words
	lead      text     // the first sentence of every article on the topic
	sentences []text
	headings  []text
	items     []text // bullet-list items
}

// places are the districts of Åmål municipality.
var places = []name{
	{text{"Åmål centrum", "Åmål town centre", "奥莫尔市中心"}, "centrum"},
	{text{"Tösse", "Tösse", "特塞"}, "tosse"},
	{text{"Fengersfors", "Fengersfors", "芬格斯福什"}, "fengersfors"},
	{text{"Ånimskog", "Ånimskog", "奥尼姆斯科格"}, "animskog"},
	{text{"Edsleskog", "Edsleskog", "埃兹莱斯科格"}, "edsleskog"},
	{text{"Rådanefors", "Rådanefors", "罗达内福什"}, "radanefors"},
	{text{"Kasenberg", "Kasenberg", "卡森贝里"}, "kasenberg"},
	{text{"Näsudden", "Näsudden", "奈苏登"}, "nasudden"},
	{text{"Örnäs", "Örnäs", "厄尔内斯"}, "ornas"},
	{text{"Karlberg", "Karlberg", "卡尔贝里"}, "karlberg"},
	{text{"Rösparken", "Rösparken", "勒斯公园"}, "rosparken"},
	{text{"Tydje", "Tydje", "蒂杰"}, "tydje"},
}

// firstYear and numYears bound the years in titles and publication dates.
const (
	firstYear = 2016
	numYears  = 11
)

// months are the month names used in dates, by language.
var months = [numLangs][12]string{
	{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// tagLabels are the labels of every tag in site.yaml.
var tagLabels = []struct {
	key   string
	label text
}{
	{"education", text{"Skola och utbildning", "Education", "教育"}},
	{"children", text{"Barn och unga", "Children and young people", "儿童与青少年"}},
	{"elderly-care", text{"Äldreomsorg", "Elderly care", "养老服务"}},
	{"welfare-technology", text{"Välfärdsteknologi", "Welfare technology", "福利科技"}},
	{"libraries", text{"Bibliotek", "Libraries", "图书馆"}},
	{"culture", text{"Kultur och fritid", "Culture and leisure", "文化与休闲"}},
	{"waste", text{"Avfall och återvinning", "Waste and recycling", "垃圾与回收"}},
	{"environment", text{"Miljö", "Environment", "环境"}},
	{"roads", text{"Gator och vägar", "Streets and roads", "道路"}},
	{"traffic", text{"Trafik", "Traffic", "交通"}},
	{"international", text{"Internationellt", "International", "国际合作"}},
	{"de-pere", text{"De Pere", "De Pere", "德佩尔"}},
	{"dunhuang", text{"Dunhuang", "Dunhuang", "敦煌"}},
}

// closing are sentences that fit an article on any topic.
var closing = []text{
	{"Har du frågor är du välkommen att kontakta kommunens kontaktcenter.", "If you have questions, you are welcome to contact the municipality's contact centre.", "如有疑问，欢迎联系市政府服务中心。"},
	{"Beslutet fattades av kommunstyrelsen den {date}.", "The decision was taken by the Municipal Executive Board on {date}.", "该决定由市执行委员会于{date}作出。"},
	{"Mer information finns på kommunens webbplats.", "More information is available on the municipality's website.", "更多信息请访问市政府网站。"},
	{"Kommunen välkomnar synpunkter från invånare i {place}.", "The municipality welcomes comments from residents of {place}.", "本市欢迎{place}居民提出意见和建议。"},
	{"Arbetet är en del av kommunens mål om en hållbar framtid.", "The work is part of the municipality's goal of a sustainable future.", "这项工作是本市可持续发展目标的一部分。"},
	{"Satsningen kostar cirka {n} 000 kronor och finansieras i budgeten för {year}.", "The investment costs about SEK {n},000 and is funded in the {year} budget.", "该项目投入约{n}000瑞典克朗，资金列入{year}年预算。"},
}

// topics are the areas the corpus writes about.
var topics = []topic{
	{ // schools
		tags: []string{"education", "children"},
		subjects: []name{
			{text{"förskolan", "the preschool", "幼儿园"}, "youeryuan"},
			{text{"grundskolan", "the primary school", "小学"}, "xiaoxue"},
			{text{"fritidshemmet", "the after-school centre", "课后托管中心"}, "kehou-tuoguan"},
			{text{"gymnasieskolan", "the upper secondary school", "高中"}, "gaozhong"},
		},
		titles: []name{
			{text{"Skolskjuts till {subject} i {place} läsåret {year}", "School transport to {subject} in {place} for the {year} school year", "{year}学年{place}{subject}校车安排"}, "xiaoche"},
			{text{"Ny skolgård vid {subject} i {place} {year}", "New schoolyard at {subject} in {place} in {year}", "{year}年{place}{subject}新建校园操场"}, "caochang"},
			{text{"Ansökan till {subject} i {place} inför {year}", "Applying to {subject} in {place} for {year}", "{year}年{place}{subject}入学申请"}, "ruxue-shenqing"},
			{text{"Måltider och skollunch på {subject} i {place} {year}", "Meals and school lunches at {subject} in {place} in {year}", "{year}年{place}{subject}的校餐"}, "xiaocan"},
		},
		lead: text{
			"I förskolan får barn i åldern ett till fem år omsorg och undervisning, och varje barn har rätt till en bra skola nära hemmet.",
			"At the preschool, children aged one to five receive care and education, and every child has the right to a good school close to home.",
			"幼儿园为一至五岁的儿童提供照料和教育，每个孩子都有权在家附近上一所好学校。",
		},
		sentences: []text{
			{"Barnen på {subject} i {place} får mer tid för lek och lärande.", "Children at {subject} in {place} will get more time for play and learning.", "{place}{subject}的孩子们将有更多时间玩耍和学习。"},
			{"Skolan har {n} elever och söker nu fler lärare.", "The school has {n} pupils and is now recruiting more teachers.", "学校目前有{n}名学生，正在招聘更多教师。"},
			{"Vårdnadshavare kan ansöka i e-tjänsten fram till den {date}.", "Parents and guardians can apply through the e-service until {date}.", "家长可在{date}前通过电子服务平台提交申请。"},
			{"Skolmaten lagas från grunden i skolans eget kök.", "School meals are cooked from scratch in the school's own kitchen.", "学校餐食在学校自己的厨房里现做。"},
			{"Kommunen bygger om lokalerna för att ge plats åt fler barn.", "The municipality is rebuilding the premises to make room for more children.", "本市正在改建校舍，以便容纳更多孩子。"},
		},
		headings: []text{
			{"Om skolan", "About the school", "关于学校"},
			{"Så ansöker du", "How to apply", "如何申请"},
			{"Frågor från vårdnadshavare", "Questions from parents", "家长常见问题"},
		},
		items: []text{
			{"ansökan görs i e-tjänsten", "applications are made through the e-service", "通过电子服务平台提交申请"},
			{"skolskjuts ordnas för barn som bor långt från skolan", "school transport is arranged for children who live far from school", "为住得远的孩子安排校车"},
			{"fritidshemmet öppnar klockan 6.30", "the after-school centre opens at 6.30", "课后托管中心早上6:30开放"},
		},
	},
	{ // elderly care
		tags: []string{"elderly-care", "welfare-technology"},
		subjects: []name{
			{text{"hemtjänsten", "home care", "居家护理服务"}, "jujia-huli"},
			{text{"äldreboendet", "the care home", "养老院"}, "yanglaoyuan"},
			{text{"trygghetslarmet", "the personal safety alarm", "安全警报器"}, "anquan-jingbaoqi"},
			{text{"dagverksamheten", "the day centre", "日间照料中心"}, "rijian-zhaoliao"},
		},
		titles: []name{
			{text{"Förändringar i {subject} i {place} {year}", "Changes to {subject} in {place} in {year}", "{year}年{place}{subject}的调整"}, "tiaozheng"},
			{text{"Välfärdsteknologi inom {subject} i {place} {year}", "Welfare technology in {subject} in {place} in {year}", "{year}年{place}{subject}引入福利科技"}, "fuli-keji"},
			{text{"Besöksregler för {subject} i {place} {year}", "Visiting rules for {subject} in {place} in {year}", "{year}年{place}{subject}探访规定"}, "tanfang-guiding"},
			{text{"Nya medarbetare till {subject} i {place} {year}", "New staff for {subject} in {place} in {year}", "{year}年{place}{subject}招聘新员工"}, "zhaopin"},
		},
		lead: text{
			"Kommunens äldreomsorg ska ge trygghet och självbestämmande, och hemtjänst finns i hela kommunen.",
			"The municipality's elderly care should provide security and independence, and home care is available across the municipality.",
			"本市的养老服务应当让老人安心并能自主安排生活，居家护理服务覆盖全市。",
		},
		sentences: []text{
			{"Personalen i hemtjänsten besöker {n} brukare varje dag.", "Home care staff visit {n} clients every day.", "居家护理人员每天探访{n}位服务对象。"},
			{"Anhöriga är välkomna på besök varje dag mellan klockan 10 och 19.", "Relatives are welcome to visit every day between 10 am and 7 pm.", "家属每天上午10点至晚上7点可以探访。"},
			{"Trygghetslarmet är kopplat till larmcentralen dygnet runt.", "The personal safety alarm is connected to the alarm centre around the clock.", "安全警报器全天候连接到报警中心。"},
			{"Den {date} hålls en informationsträff för anhöriga i {place}.", "On {date} there is an information meeting for relatives in {place}.", "{date}将在{place}为家属举办信息说明会。"},
			{"Välfärdsteknologi som digital nattillsyn prövas inom {subject}.", "Welfare technology such as digital night checks is being tried in {subject}.", "{subject}正在试用数字夜间巡查等福利科技。"},
		},
		headings: []text{
			{"Om äldreomsorgen", "About elderly care", "关于养老服务"},
			{"Ansök om insatser", "Applying for support", "申请服务"},
			{"Kontakt", "Contact", "联系方式"},
		},
		items: []text{
			{"ansökan görs hos biståndshandläggaren", "apply through the needs assessor", "向需求评估员提出申请"},
			{"avgiften beror på din inkomst", "the fee depends on your income", "费用取决于您的收入"},
			{"matleveranser kan ordnas", "meal deliveries can be arranged", "可以安排送餐服务"},
		},
	},
	{ // libraries
		tags: []string{"libraries", "culture"},
		subjects: []name{
			{text{"stadsbiblioteket", "the town library", "市图书馆"}, "shi-tushuguan"},
			{text{"biblioteksfilialen", "the branch library", "图书馆分馆"}, "tushuguan-fenguan"},
			{text{"bokbussen", "the mobile library", "流动图书馆"}, "liudong-tushuguan"},
			{text{"det meröppna biblioteket", "the self-service library", "自助图书馆"}, "zizhu-tushuguan"},
		},
		titles: []name{
			{text{"Nya öppettider för {subject} i {place} {year}", "New opening hours for {subject} in {place} in {year}", "{year}年{place}{subject}新开放时间"}, "kaifang-shijian"},
			{text{"Sommarläsning på {subject} i {place} {year}", "Summer reading at {subject} in {place} in {year}", "{year}年{place}{subject}暑期阅读活动"}, "shuqi-yuedu"},
			{text{"Språkcafé på {subject} i {place} {year}", "Language café at {subject} in {place} in {year}", "{year}年{place}{subject}语言咖啡角"}, "yuyan-kafei"},
			{text{"Lånekort och e-böcker från {subject} i {place} {year}", "Library cards and e-books from {subject} in {place} in {year}", "{year}年{place}{subject}借书证与电子书"}, "jieshuzheng"},
		},
		lead: text{
			"Biblioteket har nya öppettider, och med ett lånekort kan du låna böcker, ljudböcker och e-böcker.",
			"The library has new opening hours, and with a library card you can borrow books, audiobooks and e-books.",
			"图书馆实行新的开放时间，持借书证可以借阅图书、有声书和电子书。",
		},
		sentences: []text{
			{"De nya öppettiderna gäller från den {date}.", "The new opening hours apply from {date}.", "新的开放时间自{date}起实行。"},
			{"På språkcaféet övar nyanlända svenska tillsammans med volontärer.", "At the language café newcomers practise Swedish with volunteers.", "在语言咖啡角，新移民与志愿者一起练习瑞典语。"},
			{"Förra året lånades {n} böcker på {subject}.", "Last year {n} books were borrowed from {subject}.", "去年{subject}共借出{n}本书。"},
			{"Barn och unga kan delta i sommarboken under lovet.", "Children and young people can take part in the summer reading challenge during the holidays.", "假期里，儿童和青少年可以参加暑期读书活动。"},
			{"Det meröppna biblioteket är öppet varje dag mellan klockan 7 och 22.", "The self-service library is open every day from 7 am to 10 pm.", "自助图书馆每天早上7点至晚上10点开放。"},
		},
		headings: []text{
			{"Öppettider", "Opening hours", "开放时间"},
			{"Låna och lämna", "Borrowing and returning", "借阅与归还"},
			{"Evenemang", "Events", "活动"},
		},
		items: []text{
			{"lånetiden är fyra veckor", "the loan period is four weeks", "借期为四周"},
			{"du kan förnya dina lån digitalt", "you can renew your loans online", "可以在网上续借"},
			{"det är gratis att låna", "borrowing is free", "借阅免费"},
		},
	},
	{ // waste
		tags: []string{"waste", "environment"},
		subjects: []name{
			{text{"återvinningscentralen", "the recycling centre", "回收中心"}, "huishou-zhongxin"},
			{text{"sophämtningen", "waste collection", "垃圾收运"}, "laji-shouyun"},
			{text{"matavfallet", "food waste", "厨余垃圾"}, "chuyu-laji"},
			{text{"återvinningsstationen", "the recycling station", "回收站"}, "huishouzhan"},
		},
		titles: []name{
			{text{"Ändrade tider för {subject} i {place} {year}", "Changed times for {subject} in {place} in {year}", "{year}年{place}{subject}时间调整"}, "shijian-tiaozheng"},
			{text{"Sortera rätt: {subject} i {place} {year}", "Sort it right: {subject} in {place} in {year}", "{year}年{place}{subject}正确分类指南"}, "fenlei-zhinan"},
			{text{"Ny taxa för {subject} i {place} {year}", "New charges for {subject} in {place} in {year}", "{year}年{place}{subject}新收费标准"}, "shoufei-biaozhun"},
			{text{"Vårstädning och {subject} i {place} {year}", "Spring clean-up and {subject} in {place} in {year}", "{year}年{place}春季大扫除与{subject}"}, "dasaochu"},
		},
		lead: text{
			"Sophämtning sker varannan vecka, och förpackningar till återvinning lämnas på återvinningsstationen.",
			"Waste is collected every other week, and packaging for recycling is left at the recycling station.",
			"垃圾每两周收运一次，请做好垃圾分类，包装回收物请送到回收站。",
		},
		sentences: []text{
			{"Sorterat matavfall blir biogas till stadens bussar.", "Sorted food waste becomes biogas for the town's buses.", "分类后的厨余垃圾会变成城市公交车使用的沼气。"},
			{"Återvinningscentralen tar emot grovavfall, elavfall och farligt avfall.", "The recycling centre accepts bulky waste, electrical waste and hazardous waste.", "回收中心接收大件垃圾、电子垃圾和有害垃圾。"},
			{"Förra året samlade hushållen in {n} ton förpackningar.", "Last year households collected {n} tonnes of packaging.", "去年居民共收集了{n}吨包装废弃物。"},
			{"Från den {date} gäller nya hämtningsdagar i {place}.", "New collection days apply in {place} from {date}.", "自{date}起，{place}实行新的收运日。"},
			{"Följ sorteringsreglerna och lägg varje sorts avfall i rätt kärl.", "Follow the sorting rules and put each kind of waste in the right bin.", "请按照垃圾分类规定，把不同的废弃物放入正确的容器。"},
		},
		headings: []text{
			{"Hämtningsdagar", "Collection days", "收运日期"},
			{"Sortering", "Sorting", "垃圾分类"},
			{"Avgifter", "Charges", "收费"},
		},
		items: []text{
			{"papper och kartong", "paper and cardboard", "纸张和纸板"},
			{"glas och metall", "glass and metal", "玻璃和金属"},
			{"plastförpackningar", "plastic packaging", "塑料包装"},
		},
	},
	{ // roads
		tags: []string{"roads", "traffic"},
		subjects: []name{
			{text{"Kungsgatan", "Kungsgatan", "国王街"}, "guowang-jie"},
			{text{"gång- och cykelvägen", "the footpath and cycle path", "人行道和自行车道"}, "renxingdao"},
			{text{"rondellen", "the roundabout", "环岛"}, "huandao"},
			{text{"bron över Åmålsån", "the bridge over the Åmål river", "奥莫尔河大桥"}, "daqiao"},
		},
		titles: []name{
			{text{"Vägarbete på {subject} i {place} {year}", "Road works on {subject} in {place} in {year}", "{year}年{place}{subject}道路施工"}, "daolu-shigong"},
			{text{"Trafikomläggning vid {subject} i {place} {year}", "Traffic diversion at {subject} in {place} in {year}", "{year}年{place}{subject}交通改道"}, "jiaotong-gaidao"},
			{text{"Ny belysning längs {subject} i {place} {year}", "New lighting along {subject} in {place} in {year}", "{year}年{place}{subject}新装路灯"}, "xin-ludeng"},
			{text{"Snöröjning på {subject} i {place} {year}", "Snow clearing on {subject} in {place} in {year}", "{year}年{place}{subject}除雪"}, "chuxue"},
		},
		lead: text{
			"Under vägarbete leds trafiken om via en skyltad omledning, och arbetet pågår i etapper.",
			"During the road works, traffic is sent on a signposted detour, and the work is done in stages.",
			"道路施工期间，车辆将沿标志指示的绕行路线通行，工程分阶段进行。",
		},
		sentences: []text{
			{"Arbetet startar den {date} och beräknas pågå i {n} dagar.", "The work starts on {date} and is expected to last {n} days.", "工程将于{date}开工，预计持续{n}天。"},
			{"Gatubelysningen byts till LED för att spara energi.", "The street lighting is being replaced with LED lamps to save energy.", "路灯正在更换为LED灯以节约能源。"},
			{"Vinterväghållningen prioriterar gång- och cykelvägar till skolor.", "Winter road maintenance gives priority to footpaths and cycle paths leading to schools.", "冬季道路养护优先保障通往学校的人行道和自行车道。"},
			{"Boende i {place} kan tillfälligt behöva parkera på annan plats.", "Residents of {place} may temporarily have to park elsewhere.", "{place}的居民可能需要临时在其他地方停车。"},
			{"Kommunen ber trafikanter att visa hänsyn till dem som arbetar på vägen.", "The municipality asks road users to show consideration for those working on the road.", "本市请道路使用者体谅正在施工的工作人员。"},
		},
		headings: []text{
			{"Trafikpåverkan", "Effect on traffic", "交通影响"},
			{"Tidsplan", "Timetable", "工期安排"},
			{"Felanmälan", "Reporting a fault", "故障报修"},
		},
		items: []text{
			{"hastigheten sänks till 30 km/h", "the speed limit is lowered to 30 km/h", "限速降至每小时30公里"},
			{"bussarna går enligt ordinarie tidtabell", "buses run to the normal timetable", "公交车按正常时刻表运行"},
			{"gående leds förbi arbetsplatsen", "pedestrians are guided past the work site", "行人将被引导绕过施工现场"},
		},
	},
	{ // culture
		tags: []string{"culture", "children"},
		subjects: []name{
			{text{"kulturhuset", "the arts centre", "文化中心"}, "wenhua-zhongxin"},
			{text{"musikskolan", "the music school", "音乐学校"}, "yinyue-xuexiao"},
			{text{"konsthallen", "the art gallery", "美术馆"}, "meishuguan"},
			{text{"teatern", "the theatre", "剧院"}, "juyuan"},
		},
		titles: []name{
			{text{"Sommarprogram på {subject} i {place} {year}", "Summer programme at {subject} in {place} in {year}", "{year}年{place}{subject}夏季节目"}, "xiaji-jiemu"},
			{text{"Utställning på {subject} i {place} {year}", "Exhibition at {subject} in {place} in {year}", "{year}年{place}{subject}展览"}, "zhanlan"},
			{text{"Kulturstipendium och {subject} i {place} {year}", "Culture grants and {subject} in {place} in {year}", "{year}年{place}文化奖学金与{subject}"}, "wenhua-jiangxuejin"},
			{text{"Festival vid {subject} i {place} {year}", "Festival at {subject} in {place} in {year}", "{year}年{place}{subject}文化节"}, "wenhuajie"},
		},
		lead: text{
			"Kultur för alla åldrar fyller sommar och höst i kommunen, med en festival i augusti.",
			"Culture for all ages fills the summer and autumn in the municipality, with a festival in August.",
			"本市夏秋两季举办面向各年龄段的文化活动，八月还有文化节。",
		},
		sentences: []text{
			{"Entrén är fri och programmet finns på kommunens webbplats.", "Admission is free and the programme is on the municipality's website.", "活动免费入场，节目单可在市政府网站查看。"},
			{"Musikskolan har {n} elever som spelar allt från fiol till trummor.", "The music school has {n} pupils who play everything from violin to drums.", "音乐学校有{n}名学生，学习从小提琴到架子鼓的各种乐器。"},
			{"Föreningar kan söka kulturstöd senast den {date}.", "Associations can apply for culture grants until {date}.", "社团可在{date}前申请文化资助。"},
			{"Utställningen på {subject} visar konst av lokala konstnärer från Dalsland.", "The exhibition at {subject} shows art by local artists from Dalsland.", "{subject}的展览展出来自达尔斯兰省本地艺术家的作品。"},
			{"Biljetter säljs på turistbyrån och vid entrén.", "Tickets are sold at the tourist office and at the door.", "门票可在旅游咨询处和入口处购买。"},
		},
		headings: []text{
			{"Program", "Programme", "活动节目"},
			{"Biljetter", "Tickets", "门票"},
			{"För föreningar", "For associations", "社团须知"},
		},
		items: []text{
			{"fri entré för barn och unga", "free admission for children and young people", "儿童和青少年免费入场"},
			{"lokalen är tillgänglighetsanpassad", "the venue is accessible", "场馆设有无障碍设施"},
			{"program på svenska och engelska", "programmes in Swedish and English", "节目提供瑞典语和英语版本"},
		},
	},
	{ // De Pere, the twin town in Wisconsin
		tags: []string{"international", "de-pere", "education"},
		subjects: []name{
			{text{"skolutbytet", "the school exchange", "学校交流项目"}, "xuexiao-jiaoliu"},
			{text{"vänortsföreningen", "the twin town association", "友好城市协会"}, "youhao-chengshi-xiehui"},
			{text{"delegationsresan", "the delegation visit", "代表团访问"}, "daibiaotuan-fangwen"},
			{text{"studentutbytet med St. Norbert College", "the student exchange with St. Norbert College", "与圣诺伯特学院的学生交流"}, "shengnuobote-xueyuan"},
		},
		titles: []name{
			{text{"Vänorten De Pere och {subject} i {place} {year}", "Twin town De Pere and {subject} in {place} in {year}", "{year}年{place}与友好城市德佩尔的{subject}"}, "depeier-youhao-chengshi"},
			{text{"Rapport om {subject} mellan De Pere och {place} {year}", "Report on {subject} between De Pere and {place} in {year}", "{year}年德佩尔与{place}{subject}报告"}, "depeier-baogao"},
			{text{"Besök från De Pere: {subject} i {place} {year}", "Visitors from De Pere: {subject} in {place} in {year}", "{year}年德佩尔来访：{place}{subject}"}, "depeier-laifang"},
			{text{"Wisconsin och Dalsland: {subject} i {place} {year}", "Wisconsin and Dalsland: {subject} in {place} in {year}", "{year}年威斯康星与达尔斯兰：{place}{subject}"}, "weisikangxing"},
		},
		lead: text{
			"Åmål och De Pere i Wisconsin har varit vänorter sedan 1990-talet, och utbytet engagerar elever och lärare.",
			"Åmål and De Pere in Wisconsin have been twin towns since the 1990s, and the exchange involves pupils and teachers.",
			"奥莫尔与美国威斯康星州的德佩尔自1990年代起结为友好城市，交流项目吸引了众多师生参与。",
		},
		sentences: []text{
			{"Genom utbytet med De Pere får elever bo i värdfamiljer och gå i skolan i USA.", "Through the exchange with De Pere, pupils stay with host families and attend school in the United States.", "通过与德佩尔的交流，学生可以住在寄宿家庭并在美国上学。"},
			{"I år reser {k} elever och lärare från {place} till De Pere.", "This year {k} pupils and teachers from {place} are travelling to De Pere.", "今年，{place}有{k}名师生前往德佩尔。"},
			{"St. Norbert College tar emot studenter från Åmål varje höst.", "St. Norbert College welcomes students from Åmål every autumn.", "圣诺伯特学院每年秋季接待来自奥莫尔的学生。"},
			{"Delegationen besökte stadshuset och träffade borgmästaren den {date}.", "The delegation visited the city hall and met the mayor on {date}.", "代表团于{date}参观了市政厅并会见了市长。"},
			{"Samarbetet följer den internationella strategi som fullmäktige har antagit.", "The cooperation follows the international strategy adopted by the Municipal Council.", "这项合作遵循市议会通过的国际战略。"},
		},
		headings: []text{
			{"Om vänorten", "About the twin town", "关于友好城市"},
			{"Utbytet", "The exchange", "交流项目"},
			{"Internationellt arbete", "International work", "国际工作"},
		},
		items: []text{
			{"elever i årskurs 9 kan söka", "pupils in year 9 can apply", "九年级学生可以申请"},
			{"resan bekostas delvis av stipendier", "the trip is partly funded by grants", "旅费部分由奖学金资助"},
			{"värdfamiljer söks i Åmål", "host families are wanted in Åmål", "奥莫尔正在招募寄宿家庭"},
		},
	},
	{ // Dunhuang, the partner city in China
		tags: []string{"international", "dunhuang", "welfare-technology"},
		subjects: []name{
			{text{"partnerskapet", "the partnership", "伙伴关系"}, "huoban-guanxi"},
			{text{"vårdutbildningen", "the care training", "护理培训"}, "huli-peixun"},
			{text{"kulturutbytet", "the cultural exchange", "文化交流"}, "wenhua-jiaoliu"},
			{text{"välfärdsteknologiprojektet", "the welfare technology project", "福利科技项目"}, "fuli-keji-xiangmu"},
		},
		titles: []name{
			{text{"Samarbete med Dunhuang: {subject} i {place} {year}", "Cooperation with Dunhuang: {subject} in {place} in {year}", "{year}年与敦煌合作：{place}{subject}"}, "dunhuang-hezuo"},
			{text{"Delegation från Dunhuang besöker {subject} i {place} {year}", "Delegation from Dunhuang visits {subject} in {place} in {year}", "{year}年敦煌代表团访问{place}{subject}"}, "dunhuang-daibiaotuan"},
			{text{"Erfarenheter av {subject} med Dunhuang i {place} {year}", "Lessons from {subject} with Dunhuang in {place} in {year}", "{year}年{place}与敦煌{subject}的经验"}, "dunhuang-jingyan"},
			{text{"Sidenvägen och {subject} i {place} {year}", "The Silk Road and {subject} in {place} in {year}", "{year}年丝绸之路与{place}{subject}"}, "sichou-zhilu"},
		},
		lead: text{
			"Åmål har ett kommunalt samarbete med staden Dunhuang i Gansuprovinsen i Kina.",
			"Åmål has a municipal partnership with the city of Dunhuang in Gansu province, China.",
			"奥莫尔与中国甘肃省敦煌市开展市政合作。",
		},
		sentences: []text{
			{"Partnerskapet med Dunhuang finansieras delvis av statliga biståndsmedel.", "The partnership with Dunhuang is partly funded by government development aid.", "与敦煌的伙伴关系部分由政府发展援助资金资助。"},
			{"Tillsammans diskuterar vi etisk bedömning av välfärdsteknologi.", "Together we discuss the ethical assessment of welfare technology.", "双方共同探讨福利科技的伦理评估。"},
			{"Under året deltog {n} vårdanställda i utbildningen.", "During the year {n} care workers took part in the training.", "这一年共有{n}名护理人员参加了培训。"},
			{"Mogaogrottorna i Dunhuang är ett av världens stora kulturarv.", "The Mogao Caves in Dunhuang are one of the world's great cultural heritage sites.", "敦煌莫高窟是世界著名的文化遗产之一。"},
			{"Nästa möte med delegationen från Dunhuang hålls den {date} i {place}.", "The next meeting with the delegation from Dunhuang is on {date} in {place}.", "与敦煌代表团的下一次会议将于{date}在{place}举行。"},
		},
		headings: []text{
			{"Om partnerskapet", "About the partnership", "关于伙伴关系"},
			{"Demokrati och välfärd", "Democracy and welfare", "民主与福利"},
			{"Nästa steg", "Next steps", "下一步"},
		},
		items: []text{
			{"att främja demokrati", "to promote democracy", "促进民主"},
			{"att utveckla kommunens verksamhet", "to develop the municipality's services", "发展本市的公共服务"},
			{"att dela erfarenheter av äldreomsorg", "to share experience of elderly care", "分享养老服务经验"},
		},
	},
}

// Topic indexes whose articles are sometimes written in English first.
const dePereTopic = 6
