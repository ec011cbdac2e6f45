// Command inlchain is an independent oracle for `gopsy addr2line`: it reads a Go binary's DWARF
// (never its pclntab) and, for each address read from stdin (hex, 0x optional, one per line),
// prints the chain of inlined frames at that pc, innermost first, in gopsy's format:
//
//	0xADDR<TAB>FUNCTION<TAB>FILE:LINE[<TAB>inlined]
//
// An address that no Go subprogram covers prints "0xADDR<TAB>?<TAB>?:0"; a pc that the line table
// does not cover prints "?:0" as its file:line. Annotations for the comparison follow as extra
// fields starting with '#': "#implicit-row" (the file:line is the line program's implicit initial
// state rather than a row, see pos), "#row=0xSTART-0xEND" (innermost frame: the line-table row that
// answered, END being the next row's address) and "#trampoline" (outermost frame: the subprogram
// has DW_AT_trampoline, i.e. it is a compiler-generated wrapper).
//
// How the chain is found: the DW_TAG_subprogram (a direct child of a compile unit) whose ranges
// contain pc is the physical function; below it (through lexical blocks) the nest of
// DW_TAG_inlined_subroutine entries whose ranges contain pc are the inlined calls, outermost first.
// The innermost frame is named after the innermost inlined subroutine's abstract origin
// (DW_AT_abstract_origin -> DW_AT_name) and its file:line is the line table's row for pc; each outer
// frame's file:line is the DW_AT_call_file/DW_AT_call_line of the inlined subroutine just inside
// it; the outermost frame is the subprogram itself (DW_AT_name, or its abstract origin's name).
//
// Only compile units whose DW_AT_language is Go are considered: the pclntab that gopsy decodes
// covers only code built by the Go toolchain (Go and Go assembly), never the C code an external
// link adds (its CUs are DW_LANG_C*). -all-langs lifts that restriction (for debugging).
//
// Standard library only; build it with the newest toolchain, whose debug/dwarf reads DWARF 2-5.
package main

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

const langGo = 0x16 // DW_LANG_Go

type cu struct {
	entry *dwarf.Entry
	files []*dwarf.LineFile // file table (index = DW_AT_call_file / row file index)
	rows  []row             // line table rows, sorted by address (stable)
	read  bool
	err   error
}

type row struct {
	addr   uint64
	file   string
	line   int
	endSeq bool
}

type subprog struct {
	low, high uint64
	off       dwarf.Offset
	unit      *cu
}

type oracle struct {
	d        *dwarf.Data
	subs     []subprog
	names    map[dwarf.Offset]string
	allLangs bool
}

func main() {
	allLangs := flag.Bool("all-langs", false, "also report pcs in non-Go compile units")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: inlchain [-all-langs] BIN < ADDRS\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	f, err := elf.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "inlchain: %v\n", err)
		os.Exit(1)
	}
	d, err := f.DWARF()
	if err != nil {
		fmt.Fprintf(os.Stderr, "inlchain: %s: no DWARF: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	o := &oracle{d: d, names: map[dwarf.Offset]string{}, allLangs: *allLangs}
	if err := o.index(); err != nil {
		fmt.Fprintf(os.Stderr, "inlchain: %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		s := strings.TrimSpace(in.Text())
		if s == "" {
			continue
		}
		pc, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "inlchain: bad address %q\n", s)
			os.Exit(2)
		}
		frames, err := o.chain(pc)
		if err != nil {
			fmt.Fprintf(os.Stderr, "inlchain: %#x: %v\n", pc, err)
			os.Exit(1)
		}
		if len(frames) == 0 {
			fmt.Fprintf(out, "%#x\t?\t?:0\n", pc)
			continue
		}
		for _, fr := range frames {
			fmt.Fprintf(out, "%#x\t%s\t%s", pc, fr.name, fr.pos)
			if fr.inlined {
				fmt.Fprint(out, "\tinlined")
			}
			if fr.implicit {
				fmt.Fprint(out, "\t#implicit-row")
			}
			if fr.row != [2]uint64{} {
				fmt.Fprintf(out, "\t#row=%#x-%#x", fr.row[0], fr.row[1])
			}
			if fr.wrapper {
				fmt.Fprint(out, "\t#trampoline")
			}
			fmt.Fprintln(out)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "inlchain: stdin: %v\n", err)
		os.Exit(1)
	}
}

// index records every subprogram that is a direct child of a compile unit and has pc ranges.
func (o *oracle) index() error {
	r := o.d.Reader()
	var cur *cu
	for {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit:
			cur = &cu{entry: e}
			lang, _ := e.Val(dwarf.AttrLanguage).(int64)
			if lang != langGo && !o.allLangs {
				r.SkipChildren()
			}
			continue
		case dwarf.TagSubprogram:
			if cur == nil {
				break
			}
			rs, err := o.d.Ranges(e)
			if err != nil {
				return fmt.Errorf("ranges of %#x: %v", e.Offset, err)
			}
			for _, rg := range rs {
				if rg[1] > rg[0] {
					o.subs = append(o.subs, subprog{rg[0], rg[1], e.Offset, cur})
				}
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	sort.SliceStable(o.subs, func(i, j int) bool { return o.subs[i].low < o.subs[j].low })
	return nil
}

// name returns DW_AT_name of the entry at off, following DW_AT_abstract_origin when it has none.
func (o *oracle) name(off dwarf.Offset) (string, error) {
	if n, ok := o.names[off]; ok {
		return n, nil
	}
	r := o.d.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil {
		return "", err
	}
	if e == nil {
		return "", fmt.Errorf("no entry at %#x", off)
	}
	n, err := o.entryName(e)
	if err != nil {
		return "", err
	}
	o.names[off] = n
	return n, nil
}

func (o *oracle) entryName(e *dwarf.Entry) (string, error) {
	if n, ok := e.Val(dwarf.AttrName).(string); ok {
		return n, nil
	}
	if ao, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		return o.name(ao)
	}
	if sp, ok := e.Val(dwarf.AttrSpecification).(dwarf.Offset); ok {
		return o.name(sp)
	}
	return "?", nil
}

// lines reads (once) the CU's line table into a sorted row slice.
func (o *oracle) lines(u *cu) error {
	if u.read {
		return u.err
	}
	u.read = true
	lr, err := o.d.LineReader(u.entry)
	if err != nil || lr == nil {
		u.err = err
		return err
	}
	var le dwarf.LineEntry
	for {
		if err := lr.Next(&le); err != nil {
			break // io.EOF, or a damaged table: what was read so far stands
		}
		name := ""
		if le.File != nil {
			name = le.File.Name
		}
		u.rows = append(u.rows, row{le.Address, name, le.Line, le.EndSequence})
	}
	u.files = lr.Files()
	// By address; at one address a sequence's end comes before the next sequence's first row
	// (line tables need not list sequences in address order).
	sort.SliceStable(u.rows, func(i, j int) bool {
		a, b := u.rows[i], u.rows[j]
		if a.addr != b.addr {
			return a.addr < b.addr
		}
		return a.endSeq && !b.endSeq
	})
	return nil
}

// pos is LineReader.SeekPC's answer for pc: the last row whose address is <= pc, unless that row
// ends a sequence (pc is then in a hole); "?:0" when no row covers pc or it has no file/line.
//
// One hole is filled in, and reported with implicit=true: a pc of a Go subprogram [low, high) that
// lies before the first row of the function's sequence. The Go compiler writes each function's
// line program (cmd/internal/obj/dwarf.go, generateDebugLinesSymbol) as DW_LNE_set_address(entry)
// from the DWARF initial state (file 1, line 1, is_stmt) and emits a row only when the file, line,
// is_stmt or prologue_end state changes (`if line != int64(newLine) || wrote`): when the function's
// first instructions are at file 1 line 1 (typically `<autogenerated>:1` wrappers in a CU whose
// file 1 is <autogenerated>), no row covers them although the state machine says file 1, line 1.
//
// row is the [start, end) of the line-table row that answers (end: the next row's address).
func (o *oracle) pos(u *cu, sp subprog, pc uint64) (pos string, implicit bool, row [2]uint64) {
	if o.lines(u) != nil {
		return "?:0", false, row
	}
	i := sort.Search(len(u.rows), func(i int) bool { return u.rows[i].addr > pc }) - 1
	if i >= 0 {
		row[0] = u.rows[i].addr
	}
	if i+1 < len(u.rows) {
		row[1] = u.rows[i+1].addr
	}
	if i < 0 || u.rows[i].endSeq {
		// hole: is it the head of sp's own sequence? (the previous row ends a sequence at or
		// before sp's entry, and nothing but sp's rows follow up to pc)
		if (i < 0 || u.rows[i].addr <= sp.low) && sp.low <= pc && pc < sp.high &&
			len(u.files) > 1 && u.files[1] != nil {
			return u.files[1].Name + ":1", true, row
		}
		return "?:0", false, row
	}
	if u.rows[i].file == "" || u.rows[i].line <= 0 {
		return "?:0", false, row
	}
	return fmt.Sprintf("%s:%d", u.rows[i].file, u.rows[i].line), false, row
}

func (o *oracle) callPos(u *cu, e *dwarf.Entry) string {
	if o.lines(u) != nil {
		return "?:0"
	}
	fi, okf := e.Val(dwarf.AttrCallFile).(int64)
	ln, okl := e.Val(dwarf.AttrCallLine).(int64)
	if !okf || !okl || fi < 0 || int(fi) >= len(u.files) || u.files[fi] == nil || ln <= 0 {
		return "?:0"
	}
	return fmt.Sprintf("%s:%d", u.files[fi].Name, ln)
}

type frame struct {
	name, pos string
	inlined   bool
	implicit  bool      // pos is the line program's implicit initial row (see pos)
	row       [2]uint64 // innermost frame: the line-table row's [start, end)
	wrapper   bool      // outermost frame: the subprogram has DW_AT_trampoline (a wrapper)
}

func contains(rs [][2]uint64, pc uint64) bool {
	for _, r := range rs {
		if r[0] <= pc && pc < r[1] {
			return true
		}
	}
	return false
}

// nest reads the children of the entry just read (the reader is positioned on its first child)
// and returns the inlined subroutines containing pc, outermost first. Lexical blocks are
// descended into whatever their ranges: the compiler computes scope ranges independently of
// inline ranges, so only the inlined subroutines' own ranges decide.
func (o *oracle) nest(r *dwarf.Reader, pc uint64) ([]*dwarf.Entry, error) {
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil || e.Tag == 0 {
			return nil, nil
		}
		switch e.Tag {
		case dwarf.TagInlinedSubroutine:
			rs, err := o.d.Ranges(e)
			if err != nil {
				return nil, err
			}
			if contains(rs, pc) {
				var sub []*dwarf.Entry
				if e.Children {
					if sub, err = o.nest(r, pc); err != nil {
						return nil, err
					}
				}
				return append([]*dwarf.Entry{e}, sub...), nil
			}
		case dwarf.TagLexDwarfBlock:
			if e.Children {
				sub, err := o.nest(r, pc)
				if err != nil || len(sub) > 0 {
					return sub, err
				}
				continue // children consumed by the recursive call
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

func (o *oracle) chain(pc uint64) ([]frame, error) {
	i := sort.Search(len(o.subs), func(i int) bool { return o.subs[i].low > pc }) - 1
	// Ranges should not overlap; if they do, take the innermost-starting one that contains pc.
	for ; i >= 0 && !(o.subs[i].low <= pc && pc < o.subs[i].high); i-- {
		if pc-o.subs[i].low > 1<<24 {
			i = -1
			break
		}
	}
	if i < 0 {
		return nil, nil
	}
	sp := o.subs[i]
	r := o.d.Reader()
	r.Seek(sp.off)
	spe, err := r.Next()
	if err != nil {
		return nil, err
	}
	var inl []*dwarf.Entry
	if spe.Children {
		if inl, err = o.nest(r, pc); err != nil {
			return nil, err
		}
	}
	spName, err := o.entryName(spe)
	if err != nil {
		return nil, err
	}
	// outer-to-inner names: subprogram, then each inlined subroutine's origin.
	names := []string{spName}
	for _, e := range inl {
		n, err := o.entryName(e)
		if err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	frames := make([]frame, 0, len(names))
	for k := len(names) - 1; k >= 0; k-- {
		fr := frame{name: names[k], inlined: k > 0}
		if k == len(names)-1 {
			fr.pos, fr.implicit, fr.row = o.pos(sp.unit, sp, pc)
		} else {
			fr.pos = o.callPos(sp.unit, inl[k]) // inl[k] is the call just inside names[k]
		}
		if k == 0 {
			fr.wrapper, _ = spe.Val(dwarf.AttrTrampoline).(bool)
		}
		frames = append(frames, fr)
	}
	return frames, nil
}
