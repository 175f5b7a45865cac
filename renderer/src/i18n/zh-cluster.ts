import type { enCluster } from './en-cluster';

/** 简体中文：集群页（合并进 zh.ts） */
export const zhCluster: Record<keyof typeof enCluster, string> = {
  'nav.cluster': '集群',
  'cluster.off': '本机不是集群节点 —— 在配置中设置 cluster.redis 以加入集群。',
  'cluster.state.connected': 'Redis 已连接',
  'cluster.state.reconnecting': 'Redis 无法连接 —— 正在继续提供本机的直播流',
  'cluster.state.off': '关闭',
  'cluster.node': '本节点：{id}',
  'cluster.redis': 'Redis：{url}',
  'cluster.hls': '其他节点的 HLS：{mode}',
  'cluster.nodes': '节点',
  'cluster.streams': '直播流',
  'cluster.col.id': '节点',
  'cluster.col.addresses': '地址',
  'cluster.col.load': '负载',
  'cluster.col.lastSeen': '最后在线',
  'cluster.col.stream': '直播流',
  'cluster.col.owner': '所在节点',
  'cluster.col.edges': '拉流的边缘节点',
  'cluster.col.since': '开始于',
  'cluster.self': '本节点',
  'cluster.load': 'CPU {cpu}% · {rss} MB · {streams} 路流 · {players} 位观众',
  'cluster.ago': '{s} 秒前',
  'cluster.noStreams': '所有节点上都没有直播。',
  'cluster.none': '—',
};
