namespace RlogAgent.Tests.Server;
internal static class Probe { internal static object Make() => new Rlog.V1.LogBatch(); }
