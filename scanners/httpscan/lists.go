package httpscan

// exposedFile is one path of the curated exposed-file list; Kind names the
// content verifier the http.exposed-files check applies (webcheck.VerifyKind).
type exposedFile struct {
	Path, Kind string
}

// exposedFiles is the curated list (checks.md http.exposed-files): what
// operators really leave in a document root. Kinds: git-head, git-config,
// git-index, git-log, svn-entries, svn-wcdb, hg-requires, bzr-format,
// cvs-entries, cvs-root, dotenv, backup, vim-swap, sql-dump, sql-dump-gz,
// archive, ds-store, server-status, server-info, phpinfo, default-page,
// admin-console. Linked files named like dumps and backups are added by
// the crawl (linkedKind).
var exposedFiles = []exposedFile{
	{"/.git/HEAD", "git-head"},
	{"/.git/config", "git-config"},
	{"/.git/index", "git-index"},
	{"/.git/logs/HEAD", "git-log"},
	{"/.bzr/branch-format", "bzr-format"},
	{"/CVS/Entries", "cvs-entries"},
	{"/CVS/Root", "cvs-root"},
	{"/.svn/entries", "svn-entries"},
	{"/.svn/wc.db", "svn-wcdb"},
	{"/.hg/requires", "hg-requires"},
	{"/.env", "dotenv"},
	{"/.env.local", "dotenv"},
	{"/.env.production", "dotenv"},
	{"/.DS_Store", "ds-store"},
	{"/index.html.bak", "backup"},
	{"/index.html~", "backup"},
	{"/index.htm.bak", "backup"},
	{"/index.php.bak", "backup"},
	{"/index.php~", "backup"},
	{"/index.php.old", "backup"},
	{"/.index.php.swp", "vim-swap"},
	{"/.index.html.swp", "vim-swap"},
	{"/index.html.orig", "backup"},
	{"/index.html.old", "backup"},
	{"/index.php.save", "backup"},
	{"/index.php.orig", "backup"},
	{"/wp-config.php.save", "backup"},
	{"/wp-config.php.old", "backup"},
	{"/wp-config.php.orig", "backup"},
	{"/.wp-config.php.swp", "vim-swap"},
	{"/config.php~", "backup"},
	{"/config.inc.php.bak", "backup"},
	{"/settings.php.bak", "backup"},
	{"/wp-config.php.bak", "backup"},
	{"/wp-config.php~", "backup"},
	{"/config.php.bak", "backup"},
	{"/web.config.bak", "backup"},
	{"/backup.sql", "sql-dump"},
	{"/dump.sql", "sql-dump"},
	{"/database.sql", "sql-dump"},
	{"/db.sql", "sql-dump"},
	{"/data.sql", "sql-dump"},
	{"/mysql.sql", "sql-dump"},
	{"/site.sql", "sql-dump"},
	{"/backup.sql.gz", "sql-dump-gz"},
	{"/dump.sql.gz", "sql-dump-gz"},
	{"/database.sql.gz", "sql-dump-gz"},
	{"/db.sql.gz", "sql-dump-gz"},
	{"/backup.zip", "archive"},
	{"/backup.tgz", "archive"},
	{"/backup.tar", "archive"},
	{"/backup.tar.gz", "archive"},
	{"/site.zip", "archive"},
	{"/www.zip", "archive"},
	{"/site.tar.gz", "archive"},
	{"/www.tar.gz", "archive"},
	{"/server-status", "server-status"},
	{"/server-info", "server-info"},
	{"/phpinfo.php", "phpinfo"},
	{"/info.php", "phpinfo"},
	{"/test.php", "phpinfo"},
	{"/index.nginx-debian.html", "default-page"},
	{"/iisstart.htm", "default-page"},
	{"/manager/html", "admin-console"},
	{"/host-manager/html", "admin-console"},
	{"/phpmyadmin/", "admin-console"},
	{"/phpMyAdmin/", "admin-console"},
	{"/adminer.php", "admin-console"},
	{"/jmx-console/", "admin-console"},
	{"/web-console/", "admin-console"},
	{"/solr/", "admin-console"},
	{"/console/login/LoginForm.jsp", "admin-console"},
}

// commonFolders are asked for besides the folders linked from the root
// page, so an unlinked listing is still found.
var commonFolders = []string{
	"/files/", "/uploads/", "/upload/", "/images/", "/img/", "/icons/",
	"/static/", "/assets/", "/backup/", "/backups/", "/pub/", "/download/",
	"/downloads/", "/docs/", "/tmp/", "/data/", "/logs/", "/old/", "/test/",
}

// davFolders are where WebDAV is commonly mounted.
var davFolders = []string{"/", "/dav/", "/webdav/", "/uploads/", "/files/"}
