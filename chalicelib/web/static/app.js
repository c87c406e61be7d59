// Maeul progressive enhancement: pages work without this file.
"use strict";
document.documentElement.classList.add("js");
