package httpscan

// exposedFile is one path of the curated exposed-file list; Kind names the
// content verifier the http.exposed-files check applies (webcheck.VerifyKind).
type exposedFile struct {
	Path, Kind string
}

// exposedFiles is the curated list (checks.md http.exposed-files). Kinds:
// git-head, git-config, svn-entries, svn-wcdb, hg-requires, dotenv, backup,
// archive, ds-store, server-status, server-info, phpinfo, default-page,
// admin-console.
var exposedFiles = []exposedFile{
	{"/.git/HEAD", "git-head"},
	{"/.git/config", "git-config"},
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
	{"/.index.php.swp", "backup"},
	{"/wp-config.php.bak", "backup"},
	{"/wp-config.php~", "backup"},
	{"/config.php.bak", "backup"},
	{"/web.config.bak", "backup"},
	{"/backup.zip", "archive"},
	{"/backup.tar.gz", "archive"},
	{"/site.zip", "archive"},
	{"/www.zip", "archive"},
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
