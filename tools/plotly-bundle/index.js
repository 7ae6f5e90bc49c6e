// The plotly.js the app serves (tools/build_plotly.sh bundles this file).
// Only the traces assessment/charts.py draws: a trace type missing here is not an
// error in plotly.js, it is silently drawn as a scatter, so add it here first.
'use strict';

// core registers scatter (charts.quadrant, charts.trend) and the components:
// shapes, annotations, legend, colorbar, hover.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatterpolar'), // charts.radar
    require('plotly.js/lib/bar'), // charts.style_mix
    require('plotly.js/lib/heatmap') // charts.density
]);

module.exports = Plotly;
