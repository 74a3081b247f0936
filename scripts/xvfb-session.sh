#!/usr/bin/env bash
# Starts a virtual display with a window manager for looking at the app (screenshots, manual
# checks): `source scripts/xvfb-session.sh`, then run ./target/debug/preflight and use
# `xdotool` and `import -window root shot.png`. Needs: xvfb openbox xdotool imagemagick
# and a software OpenGL (libgl1-mesa-dri). Without a window manager, winit gets no input.
export DISPLAY=${DISPLAY:-:99}
if ! xdpyinfo >/dev/null 2>&1; then
  Xvfb "$DISPLAY" -screen 0 1400x900x24 >/tmp/xvfb.log 2>&1 &
  sleep 1
  openbox >/tmp/openbox.log 2>&1 &
  sleep 1
fi
