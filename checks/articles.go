package checks

// Article is one article of the standard (shared/standard/
// nite-security-standard.ja.txt) and how far a network scanner can
// evidence it, for `shindan articles`.
type Article struct {
	Number string // "44の2", "59"
	Title  Text   // Japanese as in the table of contents; English translation
	Reach  string // ReachNetwork, ReachPartial or ReachNone
	Why    Text   // what a scan can or cannot observe
}

// Reach values.
const (
	ReachNetwork = "network" // a network scan can gather evidence for the article
	ReachPartial = "partial" // for some paragraphs or items only
	ReachNone    = "none"    // not observable from the network
)

// Reasons shared by many articles.
var (
	whyOrg      = T("組織の手続・体制に関する規定であり、ネットワークからは観測できない", "organisational procedure — not observable from the network")
	whyStaff    = T("業務従事者による情報の取扱いに関する規定であり、ネットワークからは観測できない", "how staff handle information — not observable from the network")
	whyPhysical = T("物理的セキュリティに関する規定であり、ネットワークからは観測できない", "physical security — not observable from the network")
	whyEndpoint = T("端末・クライアント側の設定や利用者の行動であり、ネットワーク走査では確認できない", "client/endpoint configuration and user behaviour — not visible to a network scan")
	whyDev      = T("ソフトウェア開発工程に関する規定であり、ネットワークからは観測できない", "software development process — not observable from the network")
	whyAuthz    = T("識別コード・権限の付与と管理の手続であり、ネットワークからは観測できない", "issuing and managing accounts and privileges — an internal procedure, not observable from the network")
	whyLogs     = T("証跡（ログ）はシステム内部で取得・保管されるため、ネットワークからは確認できない", "audit trails are kept inside the systems — not observable from the network")
	whyDisposal = T("機器の廃棄・運用終了時の消去であり、ネットワークからは観測できない", "erasure at disposal or end of use — not observable from the network")
	whyBCP      = T("業務継続計画との整合に関する組織の規定であり、ネットワークからは観測できない", "alignment with the business continuity plan — organisational, not observable from the network")
)

// art keeps the table of Articles one line per article.
func art(n, ja, en, reach string, why Text) Article {
	return Article{Number: n, Title: T(ja, en), Reach: reach, Why: why}
}

// Articles is the standard's articles 1–87 and 44の2, in standard order.
var Articles = []Article{
	art("1", "目的", "Purpose", ReachNone, T("基準の目的を定める条であり、検査対象となる技術的管理策を含まない", "states the standard's purpose; contains no technical control to test")),
	art("2", "定義", "Definitions", ReachNone, T("用語の定義であり、検査対象となる技術的管理策を含まない", "definitions of terms; contains no technical control to test")),
	art("3", "格付け及び取扱制限に従った情報の取扱い", "Handling information according to its classification and handling restrictions", ReachNone, whyStaff),
	art("4", "要保護情報の取扱い", "Handling information requiring protection", ReachNone, whyStaff),
	art("5", "格付けに応じた情報の保存", "Storing information according to its classification", ReachNone, T("記録媒体上の情報の保存・暗号化・バックアップであり、ネットワークからは観測できない", "storage, encryption and backup of information on media — not observable from the network")),
	art("6", "情報の保存期間", "Retention periods of information", ReachNone, whyStaff),
	art("7", "情報の移送に関する許可及び届出", "Permission and notification for transferring information", ReachNone, whyOrg),
	art("8", "情報の送信と運搬の選択", "Choosing between sending and carrying information", ReachNone, whyStaff),
	art("9", "移送手段の決定", "Deciding the means of transfer", ReachNone, whyStaff),
	art("10", "書面に記載された情報の保護対策", "Protecting information on paper", ReachNone, T("書面の取扱いであり、ネットワークからは観測できない", "paper documents — not observable from the network")),
	art("11", "電磁的記録の保護対策", "Protecting electronic records in transfer", ReachNone, T("移送する電子ファイル自体のパスワード・暗号化・署名であり、ネットワーク走査では確認できない", "passwords, encryption and signatures on the transferred files themselves — not visible to a network scan")),
	art("12", "情報の公表", "Publishing information", ReachNone, T("公表する情報の格付け確認と付加情報の除去は業務従事者の判断であり、ネットワーク走査では判定できない", "checking classification and stripping metadata before publication is a staff decision — a network scan cannot judge it")),
	art("13", "他者への情報の提供", "Providing information to others", ReachNone, whyStaff),
	art("14", "電磁的記録の消去", "Erasing electronic records", ReachNone, whyDisposal),
	art("15", "書面の廃棄方法", "Disposing of paper documents", ReachNone, whyPhysical),
	art("16", "主体認証機能の導入", "Introducing authentication functions", ReachPartial, T("認証情報が暗号化されずに送られるか（16-4-2: 平文のAUTH、平文HTTPのログインフォームやBasic認証、Telnet/FTP等）は観測できる。認証の要否判断や認証方式の要件は組織の判断", "whether authentication data travels unencrypted (16-4-2: cleartext AUTH, login forms or Basic auth over HTTP, Telnet/FTP) is observable; deciding where and how to authenticate is organisational")),
	art("17", "識別コードの管理", "Managing user IDs", ReachNone, whyStaff),
	art("18", "主体認証情報の管理", "Managing authentication credentials", ReachNone, whyStaff),
	art("19", "アクセス制御機能の導入", "Introducing access control functions", ReachPartial, T("認証なしで応答するサービス（データベース等）はアクセス制御の欠如の証跡になる。アクセス制御の要否判断と運用は組織の判断", "services that answer without authentication (databases and the like) evidence missing access control; deciding on and operating access control is organisational")),
	art("20", "適正なアクセス制御", "Appropriate access control", ReachNone, T("格付けに応じたアクセス制御の設定はシステム内部の権限設定であり、外部からは確認できない", "access rights set per classification live inside the system — not visible from outside")),
	art("21", "権限管理機能の導入", "Introducing privilege management functions", ReachNone, whyAuthz),
	art("22", "識別コードと主体認証情報の付与管理", "Issuing user IDs and credentials", ReachNone, whyAuthz),
	art("23", "識別コードと主体認証情報における代替手段等の適用", "Substitutes for user IDs and credentials", ReachNone, whyAuthz),
	art("24", "証跡管理機能の導入", "Introducing audit trail functions", ReachNone, whyLogs),
	art("25", "証跡の取得と保存", "Recording and keeping audit trails", ReachNone, whyLogs),
	art("26", "取得した証跡の点検、分析及び報告", "Reviewing, analysing and reporting audit trails", ReachNone, whyLogs),
	art("27", "証跡管理に関する利用者への周知", "Informing users about audit trails", ReachNone, whyOrg),
	art("28", "保証のための機能の導入", "Introducing assurance functions", ReachNone, T("保証（否認防止等）のための機能の要否検討はシステム設計であり、外部から判定できない", "whether assurance (e.g. non-repudiation) functions are needed is a design decision — not decidable from outside")),
	art("29", "暗号化機能及び電子署名の付与に係る方式の整備", "Cryptographic and signature algorithms", ReachPartial, T("公開サービスが受け付けるTLSのプロトコルと暗号スイートは電子政府推奨暗号リストと照合できる（29-1）。鍵の管理手順等（29-2〜4）は組織の規定", "the TLS protocols and cipher suites a public service accepts can be checked against the CRYPTREC list (29-1); key management procedures (29-2 to 29-4) are organisational")),
	art("30", "暗号化機能及び電子署名機能の導入", "Introducing encryption and signature functions", ReachPartial, T("公開サービスが暗号化通信を提供しているかは観測できる。要否の検討と保存データの暗号化は内部の事項", "whether public services offer encrypted transport is observable; the decision and encryption of stored data are internal")),
	art("31", "暗号化及び電子署名に係る管理", "Managing encryption and signatures", ReachPartial, T("サーバ証明書の信頼性・有効期限・鍵長（31-1）は観測できる。危殆化情報の収集と共有（31-2）は組織の手続", "server certificate trust, validity and key size (31-1) are observable; tracking algorithm compromise (31-2) is organisational")),
	art("32", "暗号化機能及び電子署名機能の利用", "Using encryption and signature functions", ReachNone, whyStaff),
	art("33", "情報システムの構築時の脆弱性対策", "Vulnerability countermeasures when building systems", ReachPartial, T("外部公開する電子計算機の運用開始時のプラットフォーム診断（33-3）は本ツールが行う診断そのもの。仕様書への記載や報告は組織の手続", "the platform diagnosis of externally exposed computers before launch (33-3) is what this tool performs; specifications and reporting are organisational")),
	art("34", "情報システムの運用時の脆弱性対策", "Vulnerability countermeasures in operation", ReachPartial, T("稼働中のソフトウェアとバージョン（34-2）、既知の脆弱性（34-3）、年1回以上の外部診断（34-9）は観測できる。対策計画・記録は組織の手続", "running software and versions (34-2), known vulnerabilities (34-3) and the annual external diagnosis (34-9) are observable; remediation plans and records are organisational")),
	art("35", "情報システムの構築時の不正プログラム対策", "Anti-malware measures when building systems", ReachNone, whyEndpoint),
	art("36", "情報システムの運用時の不正プログラム対策", "Anti-malware measures in operation", ReachNone, whyEndpoint),
	art("37", "情報システムの構築時のサービス不能攻撃対策", "Denial-of-service countermeasures when building systems", ReachNone, T("冗長化や負荷耐性は負荷試験でしか確かめられず、それ自体がサービス不能攻撃になるため診断の対象外", "redundancy and load resilience could only be tested by load testing, which would itself be a denial of service")),
	art("38", "情報システムの構築時の踏み台対策", "Preventing systems from being used as stepping stones", ReachNetwork, T("メールの不正中継、オープンリゾルバ、UDP反射・増幅、オープンプロキシは外部から検査できる", "open mail relays, open resolvers, UDP reflection/amplification and open proxies can be tested from outside")),
	art("39", "情報システムの構築時の標的型攻撃対策", "Targeted attack countermeasures when building systems", ReachNone, T("入口対策・内部対策は多層の設計と監視であり、外部からの走査では有無を判定できない", "entry and internal countermeasures are layered design and monitoring — a scan cannot establish whether they exist")),
	art("40", "情報システムの計画時の情報セキュリティ対策検討", "Security planning for information systems", ReachNone, whyOrg),
	art("41", "情報システムの構築・運用の情報セキュリティ対策実施", "Implementing security measures in building and operation", ReachNone, whyOrg),
	art("42", "情報システムの移行・廃棄時の情報セキュリティ対策実施", "Security measures at migration and disposal", ReachNone, whyDisposal),
	art("43", "情報システムの見直し時の情報セキュリティ対策実施", "Security measures at review", ReachNone, whyOrg),
	art("44", "情報システムの台帳整備", "Keeping the system register", ReachNone, T("台帳は文書であり、ネットワークからは確認できない（診断のホスト一覧は台帳との照合に使える）", "the register is a document — not observable from the network (the scan's host inventory can be compared against it)")),
	art("44の2", "要管理対策区域のクラス、管理及び利用制限", "Classes, management and restrictions of controlled areas", ReachNone, whyPhysical),
	art("45", "立入り及び退出の管理", "Managing entry and exit", ReachNone, whyPhysical),
	art("46", "訪問者及び受渡業者の管理", "Managing visitors and delivery staff", ReachNone, whyPhysical),
	art("47", "電子計算機及び通信回線装置のセキュリティ確保", "Physical security of computers and network devices", ReachNone, whyPhysical),
	art("48", "クラス3の区域内のセキュリティ管理", "Security inside class 3 areas", ReachNone, whyPhysical),
	art("49", "災害及び障害への対策", "Countermeasures against disasters and failures", ReachNone, whyPhysical),
	art("50", "電子計算機の設置時の情報セキュリティ対策", "Security when installing computers", ReachNone, T("構成文書の整備と設置場所の規定であり、ネットワークからは確認できない", "documentation and placement of computers — not observable from the network")),
	art("51", "電子計算機の運用時の情報セキュリティ対策", "Security of computers in operation", ReachPartial, T("ネットワークに公開されたソフトウェアの状態（バージョン等）は定期調査（51-3）の一部として観測できる。利用目的の制限等は組織の規定", "the state of network-exposed software (versions) is observable as part of the periodic survey (51-3); usage rules are organisational")),
	art("52", "電子計算機の運用終了時の情報セキュリティ対策", "Security at the end of a computer's use", ReachNone, whyDisposal),
	art("53", "端末の設置時の情報セキュリティ対策", "Security when installing terminals", ReachNone, whyEndpoint),
	art("54", "端末の運用時の情報セキュリティ対策", "Security of terminals in operation", ReachPartial, T("ネットワーク上の時刻情報から時刻同期（54-5）は確認できる。端末で利用するソフトウェアの制限等は端末側の事項", "time synchronisation (54-5) can be checked from time information on the network; software allowed on terminals is an endpoint matter")),
	art("55", "サーバ装置の設置時の情報セキュリティ対策", "Security when installing servers", ReachPartial, T("平文の保守用サービス（55-1）、利用が定められていないサーバアプリケーションの稼働（55-3、55-4）は観測できる。利用ソフトウェアの決定（55-2）は組織の規定", "cleartext maintenance services (55-1) and server applications running outside the allowed list (55-3, 55-4) are observable; deciding the allowed software (55-2) is organisational")),
	art("56", "サーバ装置の運用時の情報セキュリティ対策", "Security of servers in operation", ReachPartial, T("構成変更（56-1: 前回診断との差分）と時刻同期（56-4）は観測できる。作業記録・監視・復元手段は内部の事項", "configuration drift (56-1: difference from the previous scan) and time synchronisation (56-4) are observable; work records, monitoring and recovery are internal")),
	art("57", "複合機の情報セキュリティ対策", "Security of multifunction printers", ReachPartial, T("複合機がネットワークに公開するサービス（管理画面、SNMP、FTP等）は観測できる。調達時の要件と廃棄時の消去は組織の手続", "services a multifunction printer exposes (web admin, SNMP, FTP) are observable; procurement requirements and erasure at disposal are organisational")),
	art("58", "特定用途機器の情報セキュリティ対策", "Security of special-purpose devices", ReachPartial, T("特定用途機器が公開するサービスと既知の脆弱性は観測できる。脅威分析と機器特性に応じた対策の判断は組織の事項", "services and known vulnerabilities of special-purpose devices are observable; threat analysis and device-specific decisions are organisational")),
	art("59", "電子メール導入時の情報セキュリティ対策", "Security when introducing e-mail", ReachNetwork, T("不正中継（59-1）、SMTP認証（59-2）、SPF・DKIM・DMARC（59-3）、サーバ間通信の暗号化（59-4）はいずれも外部から検査できる", "open relay (59-1), SMTP authentication (59-2), SPF/DKIM/DMARC (59-3) and server-to-server encryption (59-4) can all be tested from outside")),
	art("60", "電子メール運用時の情報セキュリティ対策", "Security of e-mail in operation", ReachNone, T("利用者のメールサービスの選択と表示設定、受信フィルタの効果は端末・運用側の事項であり、受信フィルタの試験には利用者宛てのメール送信が必要になる", "users' choice of mail service and display settings are endpoint matters, and testing inbound filtering would mean sending mail to users")),
	art("61", "ウェブサーバ導入時の情報セキュリティ対策", "Security when introducing web servers", ReachPartial, T("不要な機能（ディレクトリ一覧、TRACE、WebDAV等: 61-1-1）、公開を想定していないファイル（61-1-3）、暗号化と証明書（61-1-5）は観測できる。更新権限や編集端末の管理（61-1-2、61-1-4）と保存情報の確認（61-2）は内部の事項", "unneeded functions (directory listing, TRACE, WebDAV: 61-1-1), files not meant to be public (61-1-3), and encryption and certificates (61-1-5) are observable; update rights, editing terminals (61-1-2, 61-1-4) and what data the server stores (61-2) are internal")),
	art("62", "ウェブ開発時及び運用時の情報セキュリティ対策", "Security in web development and operation", ReachPartial, T("セキュリティヘッダ（62-1）と攻撃の糸口となる情報の送信（62-3: バージョン表示、エラーページ）は観測できる。入力の無害化（62-2）はアプリケーション診断を要し、本ツールの範囲外", "security headers (62-1) and information useful to attackers (62-3: version strings, error pages) are observable; input sanitising (62-2) needs application testing, outside this tool")),
	art("63", "ウェブの利用時の情報セキュリティ対策", "Security when using the web", ReachPartial, T("利用者のブラウザ設定等は端末側の事項。フォーム送信が暗号化されるか（63-3）のサーバ側（HTTPSへの転送、HSTS）は観測できる", "browser settings are an endpoint matter; the server side of encrypted form submission (63-3: redirect to HTTPS, HSTS) is observable")),
	art("64", "DNS 導入時の情報セキュリティ対策", "Security when introducing DNS", ReachPartial, T("コンテンツサーバの冗長性（64-1）、キャッシュサーバの外部への応答（64-3）、ゾーン転送と内部情報の漏えい（64-4）は観測できる。運用手続（64-2）は組織の規定", "content server redundancy (64-1), caches answering outsiders (64-3), zone transfers and internal data leaks (64-4) are observable; operating procedures (64-2) are organisational")),
	art("65", "DNS 運用時の情報セキュリティ対策", "Security of DNS in operation", ReachPartial, T("サーバ間の整合性（65-1、65-2のSOA・NSの一致）とキャッシュサーバの応答維持（65-3のDNSSEC検証）は観測できる。定期確認の手続自体は組織の事項", "consistency between servers (65-1, and SOA/NS agreement for 65-2) and resolver health (65-3, DNSSEC validation) are observable; the periodic review procedure itself is organisational")),
	art("66", "データベースの導入・運用時の対策", "Security of databases", ReachPartial, T("データベースの外部到達性と認証なしの応答（66-4、66-5）は観測できる。管理者権限・アクセス記録（66-1〜3）と格納データの暗号化は内部の事項", "databases reachable from outside or answering without authentication (66-4, 66-5) are observable; administrator rights, access records (66-1 to 66-3) and encryption at rest are internal")),
	art("67", "通信回線の構築時の情報セキュリティ対策", "Security when building network lines", ReachPartial, T("外部から到達できるサービス（アクセス制御: 67-2）とTLSによる秘匿性（67-3）は観測できる。回線種別の選択・機器の設置場所・契約は組織・物理の事項", "which services are reachable (access control: 67-2) and TLS confidentiality (67-3) are observable; line types, device placement and contracts are organisational or physical")),
	art("68", "通信回線運用時の情報セキュリティ対策", "Security of network lines in operation", ReachPartial, T("アクセス制御の実効性（68-3）と許可されていない機器の接続（68-6: 前回診断との差分）は定期走査で観測できる。作業記録と変更許可は組織の手続", "effective access control (68-3) and unauthorised devices on the network (68-6: difference from the previous sweep) are observable by periodic scans; work records and change approval are organisational")),
	art("69", "通信回線の運用終了時の情報セキュリティ対策", "Security at the end of network device use", ReachNone, whyDisposal),
	art("70", "機構外通信回線との接続時の情報セキュリティ対策", "Connecting to external lines", ReachNone, T("外部回線との接続の承認と構成の判断は組織の手続", "approval and design of connections to external lines are organisational")),
	art("71", "機構外通信回線と接続している機構内通信回線の運用時の情報セキュリティ対策", "Operating internal lines connected to external lines", ReachPartial, T("外部との境界のアクセス制御（71-2）は外部からの走査で確認できる。利用状況の分析と通信の監視（71-3、71-4）は運用の事項", "access control at the external boundary (71-2) can be checked by scanning from outside; traffic analysis and monitoring (71-3, 71-4) are operational")),
	art("72", "その他の通信回線の情報セキュリティ対策", "Other network lines (VPN, wireless LAN, dial-up)", ReachPartial, T("VPN装置が公開するサービスとその暗号化は観測できる。無線LANは電波の範囲であり、手続・端末管理は組織の事項", "services and encryption exposed by VPN gateways are observable; wireless LAN is a radio matter, procedures and device management are organisational")),
	art("73", "ソフトウェア開発体制の確立", "Establishing a software development organisation", ReachNone, whyDev),
	art("74", "ソフトウェア開発の開始時の情報セキュリティ対策", "Security at the start of software development", ReachNone, whyDev),
	art("75", "ソフトウェアの設計時の情報セキュリティ対策", "Security in software design", ReachNone, whyDev),
	art("76", "ソフトウェアの作成時の情報セキュリティ対策", "Security in writing software", ReachNone, whyDev),
	art("77", "ソフトウェアの試験時の情報セキュリティ対策", "Security in testing software", ReachNone, whyDev),
	art("78", "IPv6 移行機構がもたらす脆弱性対策", "Vulnerabilities from IPv6 transition mechanisms", ReachPartial, T("グローバルIPv6アドレスでの到達性（78-2-1）、不正なルータ広告（78-2-2）、移行機構とIPv4/IPv6の差異（78-2-3）は観測できる。IPv6 Ready Logo製品の選択（78-1）は調達の事項", "reachability on global IPv6 addresses (78-2-1), rogue router advertisements (78-2-2), transition mechanisms and IPv4/IPv6 differences (78-2-3) are observable; choosing IPv6 Ready Logo products (78-1) is procurement")),
	art("79", "意図しない IPv6 通信の抑止と監視", "Suppressing and monitoring unintended IPv6", ReachNetwork, T("IPv4専用セグメント上のIPv6通信（近隣探索、ルータ広告、マルチキャスト応答、トンネル）はセグメント上で観測できる", "IPv6 traffic on an IPv4-only segment (neighbour discovery, router advertisements, multicast answers, tunnels) can be observed on the segment")),
	art("80", "措置についての要求", "Requiring measures (against lowering security outside the agency)", ReachNone, whyOrg),
	art("81", "措置の遵守", "Complying with measures (against lowering security outside the agency)", ReachNone, whyStaff),
	art("82", "ドメイン名の使用", "Use of domain names", ReachPartial, T("公開しているウェブ・メールのホスト名が政府ドメイン名か（82-2、82-4）は観測できる。告知の仕方や委託時の調達仕様は組織の事項", "whether published web and mail host names are government domain names (82-2, 82-4) is observable; how names are announced and procurement terms are organisational")),
	art("83", "不正なウェブサイトへの誘導防止", "Preventing diversion to fraudulent websites", ReachPartial, T("robots.txt でクローラを排除していないか（83-1）は観測できる。検索結果上の不審サイトの監視（83-2）は検索エンジン側の事項", "whether robots.txt excludes crawlers (83-1) is observable; watching search results for suspicious sites (83-2) happens at the search engines")),
	art("84", "アプリケーション・コンテンツの告知", "Announcing applications and content", ReachPartial, T("サイトの管理組織の表示（security.txt、証明書の組織名: 84-2）は観測できる。告知の方法（84-1）は業務従事者の事項", "the organisation shown for a site (security.txt, certificate organisation: 84-2) is observable; how content is announced (84-1) is up to staff")),
	art("85", "業務継続計画と情報セキュリティ対策の整合性の確保", "Aligning the business continuity plan with security measures", ReachNone, whyBCP),
	art("86", "業務継続計画と情報セキュリティ関係規程の不整合の報告", "Reporting conflicts between the business continuity plan and security rules", ReachNone, whyBCP),
	art("87", "本基準の管理部署", "Office responsible for this standard", ReachNone, T("基準の所管部署を定める条であり、検査対象となる技術的管理策を含まない", "names the office that maintains the standard; contains no technical control to test")),
}

// ArticleByNumber finds an article by its number ("59", "44の2").
func ArticleByNumber(n string) (Article, bool) {
	for _, a := range Articles {
		if a.Number == n {
			return a, true
		}
	}
	return Article{}, false
}
