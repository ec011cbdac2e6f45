// dwarf.go — struct layouts and typed constants from the DWARF of a Go executable.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"strings"
)

// Slot is a field's byte offset and the byte size of its type (for a struct's SIZEOF entry:
// offset 0 and the struct's size).
type Slot [2]int64

// structIndex maps a Go type name to its DW_TAG_structure_type entry (the first one seen).
func structIndex(d *dwarf.Data) (map[string]dwarf.Offset, error) {
	idx := map[string]dwarf.Offset{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return idx, nil
		}
		if e.Tag == dwarf.TagStructType {
			if name, ok := e.Val(dwarf.AttrName).(string); ok {
				if _, dup := idx[name]; !dup {
					idx[name] = e.Offset
				}
			}
		}
		if e.Tag != dwarf.TagCompileUnit && e.Children {
			r.SkipChildren()
		}
	}
}

func peel(t dwarf.Type) dwarf.Type {
	for i := 0; i < 16; i++ {
		td, ok := t.(*dwarf.TypedefType)
		if !ok {
			return t
		}
		t = td.Type
	}
	return t
}

// typeName is the DW_AT_name of a type entry, as the C reader sees it.
func typeName(t dwarf.Type) string {
	switch t := t.(type) {
	case *dwarf.TypedefType:
		return t.Name
	case *dwarf.StructType:
		return t.StructName
	}
	return t.Common().Name
}

// resolve finds one path in st; ok=false when a member is missing or the type constraint fails.
func resolve(st *dwarf.StructType, p Path) (Slot, bool) {
	var off int64
	cur := st
	for i, m := range p.Members {
		var fl *dwarf.StructField
		for _, f := range cur.Field {
			if f.Name == m {
				fl = f
				break
			}
		}
		if fl == nil {
			return Slot{}, false
		}
		off += fl.ByteOffset
		if i == len(p.Members)-1 {
			if p.WantType != "" && typeName(fl.Type) != p.WantType {
				return Slot{}, false
			}
			return Slot{off, fl.Type.Size()}, true
		}
		next, ok := peel(fl.Type).(*dwarf.StructType)
		if !ok {
			return Slot{}, false
		}
		cur = next
	}
	return Slot{}, false
}

// DwarfLayouts resolves every struct and field of the spec; absent ones are left out.
func DwarfLayouts(sp *Spec, d *dwarf.Data) (map[string]Slot, error) {
	idx, err := structIndex(d)
	if err != nil {
		return nil, fmt.Errorf("reading DWARF: %v", err)
	}
	out := map[string]Slot{}
	for _, s := range sp.Structs {
		var st *dwarf.StructType
		for _, name := range s.Types {
			off, ok := idx[name]
			if !ok {
				continue
			}
			t, err := d.Type(off)
			if err != nil {
				return nil, fmt.Errorf("reading DWARF type %s: %v", name, err)
			}
			st = t.(*dwarf.StructType)
			break
		}
		if st == nil {
			continue
		}
		out[s.SizeEnum()] = Slot{0, st.ByteSize}
		for _, f := range s.Fields {
			for _, p := range f.Paths {
				if slot, ok := resolve(st, p); ok {
					out[f.FieldEnum()] = slot
					break
				}
			}
		}
	}
	return out, nil
}

// DwarfConsts collects the typed constants the spec asks for from DW_TAG_constant entries (the
// Go compiler emits typed package-level constants only, so untyped ones such as _Gidle are
// simply missing). Returns plain consts and enum members keyed like the source extractor.
func DwarfConsts(sp *Spec, d *dwarf.Data) (map[string]int64, map[string]map[string]int64, error) {
	type kv struct {
		typ string
		val int64
	}
	all := map[string]kv{} // "runtime.waitReasonZero" -> type name, value
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, nil, err
		}
		if e == nil {
			break
		}
		if e.Tag == dwarf.TagConstant {
			name, _ := e.Val(dwarf.AttrName).(string)
			v, ok := e.Val(dwarf.AttrConstValue).(int64)
			if name == "" || !ok {
				continue
			}
			tn := ""
			if off, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok {
				if t, err := d.Type(off); err == nil {
					tn = typeName(t)
				}
			}
			all[name] = kv{tn, v}
		}
		if e.Tag != dwarf.TagCompileUnit && e.Children {
			r.SkipChildren()
		}
	}
	consts := map[string]int64{}
	for _, c := range sp.Consts {
		for _, ref := range c.Refs {
			if x, ok := all[ref]; ok {
				consts[c.Name] = x.val
				break
			}
		}
	}
	enums := map[string]map[string]int64{}
	for _, e := range sp.Enums {
		for _, src := range e.Sources {
			m := map[string]int64{}
			for name, x := range all {
				if !strings.HasPrefix(name, src.Pkg+".") {
					continue
				}
				ident := name[len(src.Pkg)+1:]
				if strings.Contains(ident, ".") {
					continue
				}
				switch src.Kind {
				case "type":
					if x.typ == src.Pkg+"."+src.Type {
						m[e.EnumName(ident)] = x.val
					}
				case "re":
					if src.Re.MatchString(ident) {
						m[e.EnumName(ident)] = x.val
					}
				}
			}
			if len(m) > 0 {
				enums[e.Group] = m
				break
			}
		}
	}
	return consts, enums, nil
}

// SymbolStrings reads the [N]string arrays the spec names from the executable's data, through
// its symbol table (so only for unstripped binaries). PIE: pointers that the file leaves to
// R_X86_64_RELATIVE relocations are taken from their addends.
func SymbolStrings(sp *Spec, f *elf.File) (map[string][]string, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, nil // stripped: nothing to check
	}
	bySym := map[string]elf.Symbol{}
	for _, s := range syms {
		bySym[s.Name] = s
	}
	relative := map[uint64]uint64{}
	if rela := f.Section(".rela.dyn"); rela != nil {
		if b, err := rela.Data(); err == nil {
			for i := 0; i+24 <= len(b); i += 24 {
				off := f.ByteOrder.Uint64(b[i:])
				info := f.ByteOrder.Uint64(b[i+8:])
				add := f.ByteOrder.Uint64(b[i+16:])
				if elf.R_X86_64(info&0xffffffff) == elf.R_X86_64_RELATIVE {
					relative[off] = add
				}
			}
		}
	}
	read := func(addr, n uint64) ([]byte, error) {
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr+n <= p.Vaddr+p.Filesz {
				b := make([]byte, n)
				_, err := p.ReadAt(b, int64(addr-p.Vaddr))
				return b, err
			}
		}
		return nil, fmt.Errorf("address 0x%x+%d not in the file", addr, n)
	}
	out := map[string][]string{}
	for _, st := range sp.Strings {
		for _, ref := range st.Refs {
			s, ok := bySym[ref]
			if !ok {
				continue
			}
			n := s.Size / 16
			arr, err := read(s.Value, n*16)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", ref, err)
			}
			var strs []string
			for i := uint64(0); i < n; i++ {
				ptr := f.ByteOrder.Uint64(arr[i*16:])
				ln := f.ByteOrder.Uint64(arr[i*16+8:])
				if a, ok := relative[s.Value+i*16]; ok && ptr == 0 {
					ptr = a
				}
				if ln == 0 {
					strs = append(strs, "")
					continue
				}
				b, err := read(ptr, ln)
				if err != nil {
					return nil, fmt.Errorf("%s[%d]: %v", ref, i, err)
				}
				strs = append(strs, string(b))
			}
			out[st.Name] = strs
			break
		}
	}
	return out, nil
}
