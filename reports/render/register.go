package render

import (
	"fmt"
	"slices"

	"shindan/reports"
)

// Factory makes a writer for one language.
type Factory func(lang string) reports.Writer

type registered struct {
	fileName string
	make     Factory
}

var extra = map[string]registered{}

// Register adds a format whose writer lives outside reports/ (the PDF
// writer drives a browser, and report packages may import only the
// standard library). It is called from an init function; registering a
// name twice panics.
func Register(format, fileName string, f Factory) {
	if slices.Contains(Formats, format) {
		panic(fmt.Sprintf("render: format %q registered twice", format))
	}
	extra[format] = registered{fileName: fileName, make: f}
	Formats = append(Formats, format)
}
