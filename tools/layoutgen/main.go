// layoutgen — derives gopsy's per-version runtime layout tables (src/layout/tables_gen.c,
// src/layout/layout_gen.h) from Go toolchains, and checks them. Standard library only; builds
// with Go 1.19 and later. Normally run through ./generate (all toolchains) and
// tests/layout/check.sh.
//
//	layoutgen extract     -spec spec.txt -ref BIN [-o OUT.json]
//	    Struct layouts from BIN's DWARF, constants and string tables from the sources of the
//	    toolchain layoutgen itself was built with (which must be the one that built BIN).
//	layoutgen extract-bin -spec spec.txt -bin BIN [-o OUT.json]
//	    Everything BIN alone can tell: layouts from DWARF, typed constants from DWARF, string
//	    tables from the data behind its symbols. Marked partial (untyped constants are missing).
//	layoutgen emit        -spec spec.txt -h layout_gen.h -c tables_gen.c V.json...
//	    Write the C files from one extract per Go version.
//	layoutgen diff        -want A.json -got B.json [-what fields,consts,strings]
//	    Compare two layout descriptions; exit 1 on any difference.
package main

import (
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
)

// Layout is the JSON exchanged between the subcommands (and printed by tests/layout's C driver).
type Layout struct {
	GoVersion string                      `json:"go_version"`
	Minor     int                         `json:"minor"`
	Source    string                      `json:"source"`
	Partial   bool                        `json:"partial,omitempty"` // consts: only some were available
	Fields    map[string]Slot             `json:"fields"`
	Consts    map[string]int64            `json:"consts"`
	Enums     map[string]map[string]int64 `json:"enums"`
	Strings   map[string][]string         `json:"strings"`
}

func warnf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "layoutgen: warning: "+format+"\n", args...)
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "layoutgen: "+format+"\n", args...)
	os.Exit(2)
}

var minorRe = regexp.MustCompile(`^go1\.(\d+)`)

func goMinor(v string) int {
	m := minorRe.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func writeJSON(path string, v interface{}) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		fatalf("%v", err)
	}
	b = append(b, '\n')
	if path == "" || path == "-" {
		os.Stdout.Write(b)
		return
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fatalf("%v", err)
	}
}

func readJSON(path string) *Layout {
	b, err := os.ReadFile(path)
	if err != nil {
		fatalf("%v", err)
	}
	var l Layout
	if err := json.Unmarshal(b, &l); err != nil {
		fatalf("%s: %v", path, err)
	}
	return &l
}

func openDWARF(bin string) (*elf.File, *Layout) {
	f, err := elf.Open(bin)
	if err != nil {
		fatalf("%v", err)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		fatalf("%s: no Go build info: %v", bin, err)
	}
	return f, &Layout{GoVersion: bi.GoVersion, Minor: goMinor(bi.GoVersion)}
}

func cmdExtract(args []string, binOnly bool) {
	fs := flag.NewFlagSet("extract", flag.ExitOnError)
	specPath := fs.String("spec", "spec.txt", "spec file")
	ref := fs.String("ref", "", "reference binary built by this toolchain")
	bin := fs.String("bin", "", "binary (extract-bin)")
	out := fs.String("o", "-", "output JSON")
	fs.Parse(args)
	path := *ref
	if binOnly {
		path = *bin
	}
	if path == "" {
		fatalf("missing -ref/-bin")
	}
	sp, err := ReadSpec(*specPath)
	if err != nil {
		fatalf("%v", err)
	}
	f, l := openDWARF(path)
	d, err := f.DWARF()
	if err != nil {
		fatalf("%s: %v", path, err)
	}
	if l.Fields, err = DwarfLayouts(sp, d); err != nil {
		fatalf("%s: %v", path, err)
	}
	if binOnly {
		l.Source = "DWARF and symbols of the binary"
		l.Partial = true
		if l.Consts, l.Enums, err = DwarfConsts(sp, d); err != nil {
			fatalf("%s: %v", path, err)
		}
		if l.Strings, err = SymbolStrings(sp, f); err != nil {
			fatalf("%s: %v", path, err)
		}
	} else {
		if runtime.Version() != l.GoVersion {
			fatalf("%s was built by %s but layoutgen by %s: build both with the same toolchain",
				path, l.GoVersion, runtime.Version())
		}
		l.Source = "DWARF of tools/layoutgen/refprog and GOROOT/src of " + l.GoVersion
		ld := newSourceLoader()
		if l.Consts, l.Enums, err = SourceConsts(sp, ld); err != nil {
			fatalf("%v", err)
		}
		if l.Strings, err = SourceStrings(sp, ld); err != nil {
			fatalf("%v", err)
		}
	}
	writeJSON(*out, l)
}

func main() {
	if len(os.Args) < 2 {
		fatalf("usage: layoutgen extract|extract-bin|emit|diff ...")
	}
	switch os.Args[1] {
	case "extract":
		cmdExtract(os.Args[2:], false)
	case "extract-bin":
		cmdExtract(os.Args[2:], true)
	case "emit":
		cmdEmit(os.Args[2:])
	case "diff":
		cmdDiff(os.Args[2:])
	default:
		fatalf("unknown subcommand %q", os.Args[1])
	}
}
