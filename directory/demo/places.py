# ruff: noqa: E501 -- a table of places reads best one place to a line.
"""Where demo listings are: neighbourhoods of Greater Manchester, centred on Stockport.

Every postcode is in a real postcode sector that ``directory.geo`` knows (the
tests check each one), with a plausible unit; the geocoder places a postcode
at its sector's centroid anyway. Weights make about half the listings fall in
Stockport, so a search from the town centre (SK1 3XE) looks like a busy,
realistic directory, while the rest of the county is still covered.

``languages`` are community languages (ISO 639-1) commonly spoken in the area,
used to give some listings support in languages other than English.
"""

from __future__ import annotations

from dataclasses import dataclass

# "# Borough" starts a borough; then one area a line:
# name | weight | postcodes | streets | parks | languages
AREAS_TABLE = """
# Stockport
Stockport town centre | 7 | SK1 1EB,SK1 1QH,SK1 2LB,SK1 3TA,SK1 3XE,SK1 4AA | Mersey Square,Wellington Road South,Great Underbank,Hillgate,St Petersgate,Churchgate,Warren Street,Lower Hillgate,Princes Street,Chestergate | Vernon Park,Woodbank Park | ur pa pl
Edgeley | 5 | SK3 9HD,SK3 9LD,SK3 9NP | Castle Street,Dale Street,Grenville Street,Edgeley Road,Bloom Street | Alexandra Park | ur pl
Cheadle Heath | 2.5 | SK3 0RH,SK3 0SB | Stockport Road,Edgeley Road,Adswood Lane West | Cheadle Heath Recreation Ground
Davenport | 3 | SK3 8BN,SK3 8HH | Garners Lane,Bramhall Lane,Kingsway,Adswood Road | Woodsmoor Park
Cale Green | 2.5 | SK2 6DF,SK2 6QT | Shaw Road,Bramhall Lane,Banks Lane | Cale Green Park
Offerton | 4 | SK2 5AS,SK2 5DD,SK2 5LP | Marple Road,Offerton Lane,Hempshaw Lane,Half Moon Lane | Offerton Sand Pits
Stepping Hill | 3 | SK2 7JE,SK2 7EB | Buxton Road,Dialstone Lane,Cherry Tree Lane | Torkington Park
Heaton Norris | 3.5 | SK4 1AG,SK4 1NQ,SK4 2BZ | Lancashire Hill,Heaton Lane,Manchester Road,Wellington Road North | Heaton Norris Park | ur bn
Heaton Chapel | 3 | SK4 5BU,SK4 5DH | Manchester Road,School Lane,Wellington Road North,Peel Moat Road | Peel Moat | ur pa
Heaton Moor | 3.5 | SK4 4HY,SK4 4NS | Heaton Moor Road,Shaw Road,Derby Range,Mauldeth Road | Thornfield Park
Heaton Mersey | 2.5 | SK4 3DH,SK4 3EH | Didsbury Road,Vale Close,Mersey Road | Heaton Mersey Common,Mersey Vale Nature Park
Reddish | 5 | SK5 6BU,SK5 6HX,SK5 7AA,SK5 7DP | Gorton Road,Broadstone Road,Reddish Road,Houldsworth Square,Sandy Lane | Reddish Vale,Houldsworth Park,Woodbank Memorial Park | ur pa bn pl
Brinnington | 3 | SK5 8AD,SK5 8BQ | Brinnington Road,Northumberland Road,Brinnington Crescent | Reddish Vale,Brinnington Park | pl
Bredbury | 3 | SK6 2DT,SK6 2AH | Stockport Road West,George Lane,Ashton Road | Lower Bredbury Recreation Ground
Woodley | 2 | SK6 1ND,SK6 1QE | Hyde Road,Hatherlow,Mill Street | Woodley Precinct Park
Romiley | 3 | SK6 4AH,SK6 4DN | Compstall Road,Stockport Road,Sandy Lane | Chadkirk Country Estate
Marple | 4 | SK6 6AS,SK6 6BU,SK6 7AA,SK6 7DB | Market Street,Stockport Road,Church Lane,Stock Dove Road | Marple Memorial Park,Brabyns Park,Roman Lakes
Compstall | 1.5 | SK6 5HH,SK6 5JB | Andrew Street,George Street | Etherow Country Park
High Lane | 1 | SK6 8AA,SK6 8DX | Buxton Road,Windlehurst Road | Middlewood Way
Hazel Grove | 4 | SK7 4HA,SK7 4JH,SK7 6LQ | London Road,Torkington Road,Jackson's Lane,Commercial Road | Torkington Park
Bramhall | 4 | SK7 1AW,SK7 2PE,SK7 3DW | Bramhall Lane South,Ack Lane East,Woodford Road,Moss Lane | Bramhall Park,Happy Valley
Cheadle | 3.5 | SK8 1BG,SK8 2AA,SK8 2JN | High Street,Wilmslow Road,Massie Street,Stockport Road | Abney Hall Park,Bruntwood Park | ur ar
Cheadle Hulme | 3.5 | SK8 5AF,SK8 6LA,SK8 7AD | Station Road,Ravenoak Road,Hulme Hall Road,Church Road | Bruntwood Park
Gatley | 2 | SK8 4NA,SK8 4AB | Church Road,Gatley Road,Northenden Road | Gatley Carrs | ur
Heald Green | 2 | SK8 3BS,SK8 3JQ | Finney Lane,Outwood Road,Wilmslow Road | Heald Green Park | ur pa
Adswood | 2 | SK3 8NU,SK3 8PG | Adswood Road,Garners Lane | Adswood Park
Poynton | 2 | SK12 1AE,SK12 1RB | Park Lane,Chester Road,London Road North | Poynton Pool,Middlewood Way
Disley | 1 | SK12 2AA,SK12 2BB | Buxton Road,Market Street | Lyme Park
# Tameside
Hyde | 3 | SK14 1AL,SK14 2NS,SK14 2QX | Market Place,Market Street,Clarendon Place,Mottram Road | Hyde Park,Werneth Low | ur bn
Gee Cross | 1 | SK14 5DN,SK14 5EA | Stockport Road,Higham Lane | Werneth Low
Hattersley | 1 | SK14 3HP,SK14 3JD | Hattersley Road East,Stockport Road | Hattersley Wetlands
Stalybridge | 2.5 | SK15 2BN,SK15 1AB | Market Street,Grosvenor Street,Trinity Street,Melbourne Street | Cheetham Park
Dukinfield | 2 | SK16 4LA,SK16 5AB | King Street,Town Lane,Astley Street | Dukinfield Park
Denton | 2.5 | M34 2AA,M34 3LX | Market Street,Hyde Road,Stockport Road | Victoria Park Denton
Audenshaw | 1 | M34 5HD,M34 5NX | Manchester Road,Guide Lane | Audenshaw Reservoirs
Droylsden | 1.5 | M43 6DA,M43 7AE | Market Street,Manchester Road,Ashton Road | Droylsden Marina
Ashton-under-Lyne | 3 | OL6 6DL,OL6 7TQ,OL7 0BB | Old Street,Stamford Street,Wellington Road,Penny Meadow | Stamford Park | ur bn pa
Mossley | 1 | OL5 0AA,OL5 9DU | Stamford Street,Manchester Road | Brookbottom
# High Peak
Glossop | 1.5 | SK13 8AJ,SK13 7AH | High Street West,Norfolk Street | Manor Park Glossop
# Manchester
Manchester city centre | 3 | M1 1AD,M1 3BB,M2 5NT,M4 1HN | Oldham Street,Portland Street,Piccadilly,Deansgate,Newton Street | Piccadilly Gardens,Cathedral Gardens | ur ar zh pl
Ancoats | 1.5 | M4 6BF,M4 7DB | Great Ancoats Street,Blossom Street | Cutting Room Square
Hulme | 1.5 | M15 5RF,M15 6JN | Stretford Road,Royce Road | Hulme Park | so ar
Moss Side | 2 | M14 4SA,M14 7LE | Princess Road,Great Western Street | Alexandra Park | so ar
Rusholme | 1.5 | M14 5AL,M14 5TP | Wilmslow Road,Platt Lane | Platt Fields Park | ur bn ar
Fallowfield | 1.5 | M14 6UT,M14 6XP | Wilmslow Road,Ladybarn Lane | Platt Fields Park
Withington | 1.5 | M20 3BN,M20 4AQ | Wilmslow Road,Burton Road | Ladybarn Park
Didsbury | 2 | M20 2RN,M20 5PG,M20 6RL | Wilmslow Road,School Lane,Barlow Moor Road | Fletcher Moss Gardens,Marie Louise Gardens
Chorlton | 2 | M21 0BP,M21 9AL,M21 7LN | Barlow Moor Road,Beech Road,Manchester Road | Chorlton Water Park,Chorlton Ees
Levenshulme | 2.5 | M19 2GT,M19 3AB,M19 3PU | Stockport Road,Chapel Street,Barlow Road | Chapel Street Park,Highfield Country Park | ur bn pl ar
Burnage | 1.5 | M19 1EA,M19 1GF | Burnage Lane,Kingsway | Cringle Park | ur
Longsight | 2 | M13 0PQ,M12 4DD | Stockport Road,Dickenson Road | Crowcroft Park | ur pa bn so
Gorton | 2 | M18 7FU,M18 8LD | Hyde Road,Cross Lane,Belle Vue Street | Debdale Park,Gorton Reservoirs | ur pl
Openshaw | 1 | M11 1JG,M11 2NW | Ashton Old Road,Fairfield Street | Phillips Park
Wythenshawe | 2 | M22 5RX,M22 8AD,M23 0AD | Hale Top,Portway,Brownley Road,Greenwood Road | Wythenshawe Park
Northenden | 1.5 | M22 4AQ,M22 4DP | Palatine Road,Church Road | Kenworthy Woods
Cheetham Hill | 1.5 | M8 0AB,M8 5AD,M8 9FJ | Cheetham Hill Road,Waterloo Road | Cheetham Park | ur pa bn ar pl
Harpurhey | 1 | M9 4DH,M9 5AT | Rochdale Road,Moston Lane | Queen's Park | pl ro
Newton Heath | 1 | M40 1LB,M40 2AL | Oldham Road,Culcheth Lane | Brookdale Park
# Trafford
Stretford | 2 | M32 0AD,M32 8AE,M32 9AB | Chester Road,King Street,Kingsway | Longford Park | ur so
Sale | 2.5 | M33 2AA,M33 3AL,M33 7XZ | School Road,Washway Road,Northenden Road,Cross Street | Sale Water Park,Walkden Gardens
Urmston | 1.5 | M41 0AA,M41 9AB | Flixton Road,Church Road | Davyhulme Park
Altrincham | 2.5 | WA14 1AA,WA14 2PY,WA14 4AB | Stamford New Road,George Street,Manchester Road,Oakfield Road | Stamford Park Altrincham,John Leigh Park
Timperley | 1.5 | WA15 6QN,WA15 7AA | Park Road,Stockport Road | Timperley Brook
Hale | 1 | WA15 9AB,WA15 8AB | Ashley Road,Hale Road | Hale Moss
# Salford
Salford | 1.5 | M5 4WT,M6 5FX,M6 6AB | Chapel Street,The Crescent,Langworthy Road | Peel Park | ar pl
Eccles | 1 | M30 0BG,M30 0AA | Church Street,Liverpool Road | Ellesmere Park
Swinton | 1 | M27 4AB,M27 6BP | Chorley Road,Station Road | Victoria Park Swinton
# Oldham
Oldham town centre | 2 | OL1 1AA,OL1 1HD,OL1 3AB | Yorkshire Street,Union Street,Rochdale Road,Manchester Street | Alexandra Park Oldham | ur bn pa
Werneth | 1 | OL8 1AA,OL9 7AB | Manchester Road,Frederick Street | Werneth Park | bn ur
Chadderton | 1.2 | OL9 0AA,OL9 6AB,OL9 8AA | Middleton Road,Broadway | Chadderton Hall Park | bn ur
Royton | 1 | OL2 5AA,OL2 6AB | Rochdale Road,High Barn Street | Royton Park
Lees | 0.8 | OL4 3AB,OL4 5AA | High Street,Oldham Road | Bishop Park
Uppermill | 0.8 | OL3 6AB,OL3 6HS | High Street,New Street | Dovestone Reservoir
# Rochdale
Rochdale | 1.5 | OL11 1AA,OL12 0AB,OL16 1AA | Yorkshire Street,Drake Street,Spotland Road | Broadfield Park,Springfield Park | ur pa bn
Heywood | 0.8 | OL10 1AA,OL10 4AB | Market Street,York Street | Queen's Park Heywood
Middleton | 1 | M24 1AA,M24 6AB | Market Place,Long Street | Jubilee Park Middleton
# Bury
Bury | 1.5 | BL9 0AA,BL9 5AB,BL9 6AA | Silver Street,Market Street,Bolton Street | Burrs Country Park | ur
Prestwich | 1 | M25 1AA,M25 3AB | Bury New Road,Bury Old Road | Heaton Park,Prestwich Forest Park
Whitefield | 0.8 | M45 6AA,M45 7AB | Bury New Road,Bury Old Road | Philips Park Whitefield
Ramsbottom | 0.6 | BL0 9AA,BL0 0AB | Bridge Street,Bolton Street | Nuttall Park
# Bolton
Bolton town centre | 2 | BL1 1AA,BL1 1RU,BL2 1AB | Deansgate,Churchgate,Bradshawgate,Knowsley Street | Queen's Park Bolton | ur pa gu
Great Lever | 1 | BL3 2AA,BL3 6AB | St Helens Road,Bradford Road | Great Lever Park | ur gu
Farnworth | 1 | BL4 7AA,BL4 9AB | Market Street,Albert Road | Farnworth Park
Westhoughton | 0.8 | BL5 3AA,BL5 2AB | Market Street,Church Street | Hart Common
Horwich | 0.8 | BL6 7AA,BL6 5AB | Lee Lane,Winter Hey Lane | Lever Park,Rivington
# Wigan
Wigan town centre | 1.5 | WN1 1AA,WN1 2AB,WN1 3AB | Standishgate,Wallgate,Market Street | Mesnes Park | pl
Pemberton | 0.8 | WN5 0AA,WN5 9AB | Ormskirk Road,Billinge Road | Winstanley Woods
Standish | 0.7 | WN6 0AA,WN6 7AB | High Street,Preston Road | Haigh Woodland Park
Hindley | 0.7 | WN2 3AA,WN2 4AB | Market Street,Atherton Road | Borsdane Wood
Leigh | 1.2 | WN7 1AA,WN7 4AB | Bradshawgate,Railway Road | Pennington Flash | pl
Atherton | 0.6 | M46 0AA,M46 9AB | Market Street,Mealhouse Lane | Alder Woods
"""


@dataclass(frozen=True)
class Area:
    name: str
    borough: str
    weight: float
    postcodes: tuple[str, ...]
    streets: tuple[str, ...]
    parks: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


def _split(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _parse(table: str) -> list[Area]:
    areas, borough = [], ""
    for line in table.strip().splitlines():
        if line.startswith("#"):
            borough = line.lstrip("# ").strip()
            continue
        name, weight, postcodes, streets, parks, languages = (
            [cell.strip() for cell in line.split("|")] + ["", ""]
        )[:6]
        areas.append(
            Area(
                name=name,
                borough=borough,
                weight=float(weight),
                postcodes=_split(postcodes),
                streets=_split(streets),
                parks=_split(parks),
                languages=tuple(languages.split()),
            )
        )
    return areas


AREAS: list[Area] = _parse(AREAS_TABLE)

BOROUGHS = sorted({area.borough for area in AREAS})


def borough_centre(borough: str) -> Area:
    """The main area of a borough: its town centre where there is one, else its biggest."""
    areas = [a for a in AREAS if a.borough == borough]
    return max(areas, key=lambda a: ("centre" in a.name or a.name == borough, a.weight))
