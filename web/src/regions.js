// Which countries (ISO 3166-1 alpha-2) the map colours for each of the
// catalogue's regions (ontology/regions.ttl), after the UN M49 geoscheme
// where the region is one of its areas. The ontology says nothing of
// membership; this table is used only to draw a region as its countries.
const north = "DZ EG LY MA SD TN EH";
const east = "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW";
const central = "AO CM CF TD CG CD GQ GA ST";
const southern = "BW SZ LS NA ZA";
const west = "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG";
const middleEast = "BH CY EG IR IQ IL JO KW LB OM PS QA SA SY TR AE YE";
const centralAsia = "KZ KG TJ TM UZ";
const southAsia = "AF BD BT IN IR LK MV NP PK";
const southEastAsia = "BN KH ID LA MY MM PH SG TH TL VN";
const eastAsia = "CN HK JP KP KR MN MO TW";
const pacific = "AU NZ FJ PG SB VU NC PF WS TO KI FM MH NR PW TV";
const europe =
  "AL AD AT BY BE BA BG HR CY CZ DK EE FI FR DE GR HU IS IE IT XK LV LI LT LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA";
const northAmerica = "BM CA GL PM US";
const centralAmerica = "BZ CR SV GT HN MX NI PA";
const southAmerica = "AR BO BR CL CO EC FK GF GY PY PE SR UY VE";
const caribbean = "AG BS BB CU DM DO GD HT JM KN LC VC TT PR AW CW BQ SX MF BL VG VI KY TC MS AI GP MQ";

const join = (...lists) => lists.join(" ");

const MEMBERS = {
  africa: join(north, east, central, southern, west),
  "north-africa": north,
  "east-africa": east,
  "horn-of-africa": "DJ ER ET SO",
  "central-africa": central,
  "southern-africa": southern,
  "west-africa": west,
  "middle-east": middleEast,
  "middle-east-and-north-africa": join(middleEast, north),
  asia: join(centralAsia, southAsia, southEastAsia, eastAsia),
  "asia-and-the-pacific": join(centralAsia, southAsia, southEastAsia, eastAsia, pacific),
  pacific,
  "central-asia": centralAsia,
  "south-asia": southAsia,
  "south-east-asia": southEastAsia,
  "east-asia": eastAsia,
  europe,
  "eastern-europe": "BY BG CZ HU MD PL RO RU SK UA",
  "south-eastern-europe": "AL BA BG HR GR XK ME MK RO RS SI",
  "western-balkans": "AL BA XK ME MK RS",
  "western-europe": "AT BE FR DE LI LU MC NL CH",
  "central-europe": "AT CZ DE HU LI PL SK SI CH",
  americas: join(northAmerica, centralAmerica, southAmerica, caribbean),
  "north-america": northAmerica,
  "central-america": centralAmerica,
  "central-and-north-america": join(northAmerica, centralAmerica),
  "south-america": southAmerica,
  caribbean,
};

/// The alpha-2 codes of a region's countries; `null` for the whole world.
export function regionMembers(key) {
  if (key === "worldwide") return null;
  const list = MEMBERS[key];
  return list ? new Set(list.split(" ")) : new Set();
}
