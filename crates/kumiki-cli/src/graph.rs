//! `cargo xtask graph`: the service graph of an environment, each declared call to each port
//! with what every layer of the rendered release does with it, as a table, Mermaid or DOT.

use kumiki::synth::{Edge, Passage};

/// What the layers of `edge` do with it: `network, authorization` (the layers that govern the
/// call and let it through), `blocked by <layer>` for each that blocks it, `ungoverned` when
/// no layer decides it.
pub fn layers_summary(edge: &Edge) -> String {
    let blocked: Vec<String> = (edge.layers.iter())
        .filter(|(_, passage)| matches!(passage, Passage::Blocked(_)))
        .map(|(layer, _)| format!("blocked by {}", layer.as_str()))
        .collect();
    let allowed: Vec<&str> = edge.allowed_by().into_iter().map(|layer| layer.as_str()).collect();
    match (blocked.is_empty(), allowed.is_empty()) {
        (false, _) => blocked.join(", "),
        (true, true) => "ungoverned".to_owned(),
        (true, false) => allowed.join(", "),
    }
}

/// An aligned table: caller, callee and port, protocol, the layers that allow the call, and
/// the line that declared it.
pub fn render_text(edges: &[Edge]) -> String {
    if edges.is_empty() {
        return "no declared calls\n".to_owned();
    }
    let rows: Vec<[String; 5]> = (edges.iter())
        .map(|edge| {
            [
                edge.caller.clone(),
                format!("{}:{}", edge.callee, edge.port),
                edge.protocol.clone(),
                layers_summary(edge),
                edge.declared_at.to_string(),
            ]
        })
        .collect();
    let header = ["CALLER", "CALLEE", "PROTOCOL", "ALLOWED BY", "DECLARED AT"].map(str::to_owned);
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            (rows.iter().chain([&header]))
                .map(|row| row[column].len())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String; 5]| {
        let cells: Vec<String> = (row.iter().zip(&widths))
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        format!("{}\n", cells.join("  ").trim_end())
    };
    std::iter::once(&header).chain(&rows).map(line).collect()
}

/// A Mermaid flowchart, one node per caller and callee, one arrow per edge labelled with its
/// port, protocol and layers.
pub fn render_mermaid(edges: &[Edge]) -> String {
    let nodes = node_ids(edges);
    let mut text = String::from("flowchart LR\n");
    for (name, id) in &nodes {
        text.push_str(&format!("  {id}[\"{}\"]\n", escape(name)));
    }
    for edge in edges {
        text.push_str(&format!(
            "  {} -->|\"{}\"| {}\n",
            nodes[&edge.caller],
            escape(&label(edge)),
            nodes[&edge.callee]
        ));
    }
    text
}

/// A Graphviz digraph, one edge per call labelled with its port, protocol and layers.
pub fn render_dot(edges: &[Edge]) -> String {
    let mut text = String::from("digraph traffic {\n  rankdir=LR;\n  node [shape=box];\n");
    for edge in edges {
        text.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
            escape(&edge.caller),
            escape(&edge.callee),
            escape(&label(edge))
        ));
    }
    text.push_str("}\n");
    text
}

/// `50000 grpc: network, authorization`.
fn label(edge: &Edge) -> String {
    format!("{} {}: {}", edge.port, edge.protocol, layers_summary(edge))
}

/// Node ids `n0`, `n1`, ... by name, in name order.
fn node_ids(edges: &[Edge]) -> std::collections::BTreeMap<String, String> {
    let mut names: Vec<&String> = edges.iter().flat_map(|edge| [&edge.caller, &edge.callee]).collect();
    names.sort();
    names.dedup();
    (names.into_iter().enumerate())
        .map(|(position, name)| (name.clone(), format!("n{position}")))
        .collect()
}

/// Quotes and backslashes escaped, for a quoted Mermaid or DOT string.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "'")
}
