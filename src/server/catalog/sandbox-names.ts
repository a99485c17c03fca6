// Word lists the sandbox catalog composes its source names from. Brands are invented so that no real company is implied.

export const SURNAMES = [
  "Abbott", "Alvarez", "Anderson", "Baker", "Becker", "Bennett", "Blake", "Bradley", "Brooks", "Caldwell", "Campbell",
  "Carter", "Castillo", "Chambers", "Chen", "Collins", "Cooper", "Dalton", "Davis", "Delgado", "Donovan", "Duncan",
  "Edwards", "Ellis", "Evans", "Ferguson", "Fischer", "Fleming", "Flores", "Foster", "Franklin", "Gallagher", "Garcia",
  "Gibson", "Goldberg", "Gonzalez", "Graham", "Grant", "Hamilton", "Harper", "Hayes", "Henderson", "Hoffman", "Holland",
  "Hughes", "Hunt", "Ibáñez", "Ingram", "Jacobs", "Jensen", "Kaplan", "Keller", "Kendall", "Kim", "Klein", "Larson",
  "Lawson", "Lee", "Lewis", "Lindqvist", "Lopez", "Maddox", "Marshall", "Martinez", "Mason", "McCarthy", "Mercer",
  "Mitchell", "Morales", "Morgan", "Muñoz", "Murphy", "Nakamura", "Navarro", "Nelson", "Nguyen", "Nolan", "Novak",
  "Núñez", "O'Brien", "O'Connor", "Okafor", "Olsen", "Ortiz", "Palmer", "Patel", "Pearson", "Peña", "Perry",
  "Peterson", "Phillips", "Price", "Quinn", "Ramirez", "Ramsey", "Reed", "Reyes", "Rhodes", "Richards", "Rivera",
  "Roberts", "Robinson", "Rossi", "Russell", "Sanders", "Sawyer", "Schmidt", "Shah", "Shapiro", "Silva", "Singh",
  "Stein", "Sullivan", "Sutton", "Taylor", "Thompson", "Thornton", "Torres", "Tran", "Turner", "Underwood", "Vasquez",
  "Vaughn", "Wagner", "Walker", "Wallace", "Ward", "Watson", "Weber", "Wells", "Whitaker", "Whitman", "Williams",
  "Wilson", "Wong", "Wright", "Yamamoto", "Young", "Zimmerman",
] as const;

export const SAINTS = [
  "St. Mary's", "St. Joseph's", "St. Luke's", "St. Vincent's", "St. Francis", "St. Elizabeth", "St. Anthony's",
  "Saint Jude", "Saint Agnes", "St. Catherine's", "St. John's", "Mercy", "Good Samaritan", "Providence",
  "Sacred Heart", "Holy Cross", "Presbyterian", "Baptist", "Methodist", "Lutheran", "Adventist",
] as const;

export const NATURE_WORDS = [
  "Cedar", "Oak", "Pine", "Maple", "Willow", "Aspen", "Birch", "River", "Lake", "Bay", "Harbor", "Prairie", "Summit",
  "Meadow", "Sierra", "Canyon", "Desert", "Coastal", "Lakeside", "Northside", "Southside", "Eastside", "Westside",
  "Highland", "Parkview", "Brookside", "Fairview", "Greenwood", "Hillcrest", "Mountain View", "Sunrise", "Sunset",
  "Clearwater", "Silver Creek", "Stonebridge", "Redwood", "Magnolia", "Bluebonnet", "Evergreen", "Golden Gate",
] as const;

export const PLACE_WORDS = ["Ridge", "Valley", "Creek", "Point", "Hills", "Park", "Springs", "Grove", "Crossing"] as const;

export const LAB_BRANDS = [
  "Quantum", "Precision", "Meridian", "Apex", "Keystone", "Beacon", "Pioneer", "Sentinel", "Horizon", "Clarity",
  "Vantage", "Helix", "Atlas", "Cornerstone", "Lighthouse", "Northstar",
] as const;

export const PHARMACY_CHAINS = [
  "CareRx", "Corner Drug", "Wellway", "MediCorner", "RxPlus", "Greenleaf", "Hometown", "Medisave", "Bluebird",
  "Family Care", "Liberty", "Main Street",
] as const;

export const INSURER_BRANDS = [
  "Keystone", "Liberty", "Harbor", "Evergreen", "Guardian", "Heritage", "Pinnacle", "Frontier", "Unity",
  "Commonwealth", "Patriot", "Compass", "Anchor", "Cascade", "Granite", "Lantern",
] as const;

export const DEVICE_PREFIXES = [
  "Pulse", "Stride", "Vital", "Heart", "Sleep", "Gluco", "Zen", "Cardio", "Motion", "Beat", "Aero", "Nova", "Peak",
  "Core", "Flow", "Orbit", "Breathe", "Calm", "Step", "Trail",
] as const;

export const DEVICE_PRODUCTS = [
  "Band", "Watch", "Ring", "Tracker", "Scale", "Sense", "Sync", "Coach", "Log", "Monitor", "Patch", "Cuff",
] as const;

export const DEVICE_MODELS = ["Pro", "Lite", "Plus", "Max", "Mini", "2", "3", "SE", "Ultra", "Go", "Kids", "Sport"] as const;

export const APP_WORDS = ["Health", "Diary", "Journal", "Coach", "Companion", "Tracker App", "Wellness"] as const;
