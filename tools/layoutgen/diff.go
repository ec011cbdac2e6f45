// diff.go — comparing two layout descriptions (JSON from extract, extract-bin or tests/layout's C
// driver). "want" is normally a built-in table, "got" what a fresh binary says.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func cmdDiff(args []string) {
	fs := flag.NewFlagSet("diff", flag.ExitOnError)
	wantPath := fs.String("want", "", "expected (e.g. the built-in table)")
	gotPath := fs.String("got", "", "actual (e.g. the DWARF of a fresh build)")
	what := fs.String("what", "fields,consts,strings", "what to compare")
	fs.Parse(args)
	want, got := readJSON(*wantPath), readJSON(*gotPath)
	do := map[string]bool{}
	for _, w := range strings.Split(*what, ",") {
		do[w] = true
	}
	var diffs []string
	add := func(format string, a ...interface{}) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	if want.Minor != got.Minor {
		add("go version: want go1.%d, got go1.%d (%s)", want.Minor, got.Minor, got.GoVersion)
	}
	show := func(s Slot, ok bool) string {
		if !ok {
			return "absent"
		}
		return fmt.Sprintf("off 0x%x size %d", s[0], s[1])
	}
	if do["fields"] {
		names := map[string]bool{}
		for k := range want.Fields {
			names[k] = true
		}
		for k := range got.Fields {
			names[k] = true
		}
		var keys []string
		for k := range names {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			w, wok := want.Fields[k]
			g, gok := got.Fields[k]
			if wok != gok || w != g {
				add("GP_L_%s: want %s, got %s", k, show(w, wok), show(g, gok))
			}
		}
	}
	cmpConsts := func(label string, w, g map[string]int64) {
		keys := map[string]bool{}
		for k := range g {
			keys[k] = true
		}
		if !got.Partial {
			for k := range w {
				keys[k] = true
			}
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				add("%sGP_K_%s: want absent, got %d", label, k, gv)
			case !gok:
				add("%sGP_K_%s: want %d, got absent", label, k, wv)
			case wv != gv:
				add("%sGP_K_%s: want %d, got %d", label, k, wv, gv)
			}
		}
	}
	if do["consts"] {
		cmpConsts("", want.Consts, got.Consts)
		// Enum members are matched by canonical name (an extract keeps the version's own
		// spelling, the emitted tables the newest one).
		display := map[string]string{} // canonical -> the table's spelling
		for _, m := range want.Enums {
			for k := range m {
				display[canonical(k)] = k
			}
		}
		canon := func(m map[string]int64) map[string]int64 {
			out := map[string]int64{}
			for k, v := range m {
				if d, ok := display[canonical(k)]; ok {
					k = d
				}
				out[k] = v
			}
			return out
		}
		groups := map[string]bool{}
		for g := range got.Enums {
			groups[g] = true
		}
		if !got.Partial {
			for g := range want.Enums {
				groups[g] = true
			}
		}
		var gs []string
		for g := range groups {
			gs = append(gs, g)
		}
		sort.Strings(gs)
		for _, g := range gs {
			cmpConsts("", canon(want.Enums[g]), canon(got.Enums[g]))
		}
	}
	if do["strings"] {
		var names []string
		for n := range got.Strings {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			w, g := want.Strings[n], got.Strings[n]
			if len(w) != len(g) {
				add("GP_S_%s: want %d strings, got %d", n, len(w), len(g))
				continue
			}
			for i := range w {
				if w[i] != g[i] {
					add("GP_S_%s[%d]: want %q, got %q", n, i, w[i], g[i])
				}
			}
		}
		if !got.Partial {
			for n := range want.Strings {
				if _, ok := got.Strings[n]; !ok {
					add("GP_S_%s: missing", n)
				}
			}
		}
	}
	if len(diffs) > 0 {
		fmt.Printf("%d difference(s) between %s (%s) and %s (%s):\n", len(diffs), *wantPath, want.Source, *gotPath, got.Source)
		for _, d := range diffs {
			fmt.Println("  " + d)
		}
		os.Exit(1)
	}
}
