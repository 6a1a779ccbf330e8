// Early environment for nuclei (see nucleienv.go). The module path starts
// with "0" on purpose: Go initialises ready packages in import-path order,
// so this package's init runs before nuclei's config package reads its
// environment and writes its config directory.
module 0shindan/nucleienv

go 1.21
