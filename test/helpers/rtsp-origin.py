#!/usr/bin/python3
# A real RTSP origin for tests: GStreamer's RTSP server (Debian gir1.2-gst-rtsp-server-1.0,
# python3-gi) serving /live/<name> for every name given, each an H.264 + AAC test pattern over
# RTSP (TCP interleaved or UDP, whatever the client asks). Bound to 127.0.0.1:<port>.
# Usage: rtsp-origin.py PORT NAME [NAME...]; prints "ready" once listening.
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    '( videotestsrc is-live=true pattern=ball '
    '! video/x-raw,width=320,height=240,framerate=25/1 '
    '! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=500 '
    '! rtph264pay name=pay0 pt=96 config-interval=1 '
    'audiotestsrc is-live=true wave=sine freq=440 '
    '! audio/x-raw,rate=44100,channels=2 ! audioconvert ! voaacenc bitrate=64000 '
    '! rtpmp4gpay name=pay1 pt=97 )'
)


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit('usage: rtsp-origin.py PORT NAME [NAME...]')
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(sys.argv[1])
    mounts = server.get_mount_points()
    for name in sys.argv[2:]:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(PIPELINE)
        # One encoder per stream, shared by every player, as a live origin is.
        factory.set_shared(True)
        mounts.add_factory(f'/live/{name}', factory)
    if server.attach(None) == 0:
        sys.exit(f'cannot listen on 127.0.0.1:{sys.argv[1]}')
    print('ready', flush=True)
    GLib.MainLoop().run()


if __name__ == '__main__':
    main()
