// String helpers: for error messages that suggest what the user may have meant, and for text
// placed in SVG and HTML.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tessel {

// Levenshtein distance: how many single-character edits turn a into b.
size_t edit_distance(const std::string& a, const std::string& b);

// The (up to) `count` candidates closest to `name` by edit distance, closest first (ties keep
// the candidates' order).
std::vector<std::string> nearest_names(const std::string& name, std::vector<std::string> candidates,
                                       size_t count = 3);

// "a, b, c"
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

// `text` with XML's (and HTML's) special characters as entities: &amp; &lt; &gt; &quot; &#39;.
std::string xml_escaped(const std::string& text);

}  // namespace tessel
