#!/usr/bin/python3
"""GStreamer's RTSP server (gst-rtsp-server through python3-gi) for the tests, fed by ffmpeg over UDP.

Binds a UDP socket on 127.0.0.1 (port 0) for ffmpeg's MPEG-TS (H.264 + AAC) and an RTSP listener on
127.0.0.1 (port 0), serves one shared live mount /cam (RTP over UDP or TCP-interleaved, whatever the client
asks), and prints one line per event on stdout:
  READY <rtsp_port> <udp_port>      once listening
  SETUP <transport header>          each SETUP a client sent
  PLAY                              each PLAY the server answered
Run with the Debian interpreter (/usr/bin/python3): python3-gi lives in its dist-packages.
"""
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtsp', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gio, GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def say(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def main():
    Gst.init(None)
    # the socket ffmpeg sends to: bound now (no port race), handed to the pipeline's udpsrc on each (re)build
    feed = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.DATAGRAM, Gio.SocketProtocol.UDP)
    feed.bind(Gio.InetSocketAddress.new_from_string('127.0.0.1', 0), True)
    feed_port = feed.get_local_address().get_port()

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        '( udpsrc name=feed close-socket=false buffer-size=4194304 caps=video/mpegts,systemstream=true '
        '! tsdemux name=d latency=200 '
        'd. ! queue ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 '
        'd. ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )')
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP)
    factory.connect('media-configure', lambda _f, media: media.get_element().get_by_name('feed').set_property('socket', feed))

    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service('0')
    server.get_mount_points().add_factory('/cam', factory)

    def on_setup(_client, ctx):
        ok, transport = ctx.request.get_header(GstRtsp.RTSPHeaderField.TRANSPORT, 0)
        say('SETUP ' + (transport if ok == GstRtsp.RTSPResult.OK else '?'))

    def on_client(_server, client):
        client.connect('setup-request', on_setup)
        client.connect('play-request', lambda _c, _ctx: say('PLAY'))

    server.connect('client-connected', on_client)
    if server.attach(None) == 0:
        sys.exit('rtsp server: cannot listen')
    say('READY %d %d' % (server.get_bound_port(), feed_port))
    loop = GLib.MainLoop()
    # a session pool sweep now and then, so clients that vanished are dropped
    GLib.timeout_add_seconds(2, lambda: server.get_session_pool().cleanup() >= 0)
    loop.run()


if __name__ == '__main__':
    main()
