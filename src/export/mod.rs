//! Citation exports (BibTeX, RIS, CSL-JSON, formatted references): one module per format behind one `Format` enum.
