"""The what-if page (``econsim serve``): levers as controls, charts from paired runs.

Standard-library HTTP on 127.0.0.1; plotly.js is served from the installed plotly
package, so the page loads nothing from the network.
"""
