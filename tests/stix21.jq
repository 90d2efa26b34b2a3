# tests/stix21.jq - structural checks of a STIX 2.1 bundle (the parts of the
# OASIS specification that matter for what cti writes). Prints one line per
# problem; prints nothing for a valid bundle.
def uuid_re: "[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
def ts_re: "^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]+)?Z$";
def problem($o; $msg): "\($o.id // "?"): \($msg)";

(if .type != "bundle" then "bundle: type is not bundle" else empty end),
(if (.id | test("^bundle--" + uuid_re + "$")) | not then "bundle: bad id" else empty end),
(if has("spec_version") then "bundle: spec_version is not allowed in 2.1" else empty end),
(if (.objects | type) != "array" then "bundle: objects is not an array" else empty end),
(.objects[] as $o
 | ($o.type) as $t
 | (if ($t | type) != "string" or ($t | test("^[a-z0-9][a-z0-9-]+[a-z0-9]$") | not)
    then problem($o; "bad type") else empty end),
   (if ($o.id | type) != "string" or ($o.id | test("^" + $t + "--" + uuid_re + "$") | not)
    then problem($o; "bad id") else empty end),
   (if ($t | IN("indicator", "identity", "relationship", "malware", "attack-pattern"))
       and $o.spec_version != "2.1" then problem($o; "spec_version is not 2.1") else empty end),
   (["created", "modified", "valid_from", "valid_until"][] as $k
    | if $o | has($k) then
        (if ($o[$k] | test(ts_re)) | not then problem($o; "bad timestamp \($k)") else empty end)
      else empty end),
   (if ($o | has("created")) and ($o | has("modified")) and ($o.modified < $o.created)
    then problem($o; "modified before created") else empty end),
   (if $t == "indicator" then
      (["pattern", "pattern_type", "valid_from", "created", "modified"][] as $k
       | if $o | has($k) | not then problem($o; "indicator without \($k)") else empty end),
      (if $o.pattern_type != "stix" then problem($o; "pattern_type is not stix") else empty end),
      (if ($o.pattern | test("^\\[[a-z0-9-]+:[A-Za-z0-9_.'-]+ = '([^'\\\\]|\\\\.)*'\\]$") | not)
       then problem($o; "pattern does not parse: \($o.pattern)") else empty end),
      (if ($o | has("valid_until")) and ($o.valid_until <= $o.valid_from)
       then problem($o; "valid_until not after valid_from") else empty end)
    else empty end),
   (if $t == "identity" and ($o.name | type) != "string" then problem($o; "identity without name") else empty end),
   (if ($o | has("confidence")) and (($o.confidence | type) != "number" or $o.confidence < 0 or $o.confidence > 100)
    then problem($o; "bad confidence") else empty end),
   (if ($o | has("created_by_ref")) and ($o.created_by_ref | test("^identity--") | not)
    then problem($o; "created_by_ref is not an identity") else empty end),
   (($o.object_marking_refs // [])[] | select(test("^marking-definition--" + uuid_re + "$") | not)
    | problem($o; "bad marking ref \(.)")))
