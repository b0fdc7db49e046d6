using RlogAgent.Collection.Formats;

namespace RlogAgent.Tests.Collection.Formats;

[TestFixture]
public sealed class KubernetesPathMetadataTests
{
    private const string Id = "4f3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19";

    [Test]
    public void TryParse_VarLogContainersName_PodNamespaceContainerAndId()
    {
        var path = $"/var/log/containers/web-7d4b9c-x2x9q_shop-prod_nginx-proxy-{Id}.log";

        Assert.That(KubernetesPathMetadata.TryParse(path, out var attributes), Is.True);
        Assert.That(attributes, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("k8s.pod.name", "web-7d4b9c-x2x9q"),
            new("k8s.namespace.name", "shop-prod"),
            new("k8s.container.name", "nginx-proxy"),
            new("container.id", Id),
        }));
    }

    [Test]
    public void TryParse_ContainersNameWithDotsInThePodInAnotherFolder_Parsed()
    {
        var path = $"/mnt/node-logs/etcd-node1.example.com_kube-system_etcd-{Id}.log";

        Assert.That(KubernetesPathMetadata.TryParse(path, out var attributes), Is.True);
        Assert.That(attributes.Single(a => a.Key == EventAttributeNames.PodName).Value, Is.EqualTo("etcd-node1.example.com"));
        Assert.That(attributes.Single(a => a.Key == EventAttributeNames.ContainerName).Value, Is.EqualTo("etcd"));
    }

    [Test]
    public void TryParse_VarLogPodsPath_NamespacePodUidContainerAndRestartCount()
    {
        var path = "/var/log/pods/shop-prod_web-7d4b9c-x2x9q_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/nginx-proxy/12.log";

        Assert.That(KubernetesPathMetadata.TryParse(path, out var attributes), Is.True);
        Assert.That(attributes, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("k8s.namespace.name", "shop-prod"),
            new("k8s.pod.name", "web-7d4b9c-x2x9q"),
            new("k8s.pod.uid", "0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
            new("k8s.container.name", "nginx-proxy"),
            new("k8s.container.restart_count", "12"),
        }));
    }

    [TestCase("/var/log/pods/kube-system_etcd-node1_3a5c1f7e9b2d4e6f8a0c1e3b5d7f9a1c/etcd/0.log", "3a5c1f7e9b2d4e6f8a0c1e3b5d7f9a1c")]
    [TestCase("/var/log/pods/default_api.v2_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/app/0.log.20261128-070000", "0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b")]
    [TestCase(@"C:\var\log\pods\default_api_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b\app\3.log", "0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b")]
    [TestCase("default_api_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/app/3.log", "0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b")]
    public void TryParse_PodsPathStaticPodRotatedOrOtherSeparators_Parsed(string path, string uid)
    {
        Assert.That(KubernetesPathMetadata.TryParse(path, out var attributes), Is.True);
        Assert.That(attributes.Single(a => a.Key == EventAttributeNames.PodUid).Value, Is.EqualTo(uid));
    }

    [TestCase("/var/log/syslog")]
    [TestCase("/var/log/app/app.log")]
    [TestCase("")]
    [TestCase("/var/log/containers/a_b_c.log")]
    [TestCase("/var/log/containers/web_shop_nginx-4f3a9c1e.log")]
    [TestCase("/var/log/containers/web_shop_nginx-4F3A9C1E8B7D6A5F4E3D2C1B0A9F8E7D6C5B4A3F2E1D0C9B8A7F6E5D4C3B2A19.log")]
    [TestCase("/var/log/containers/web_shop_prod_nginx-4f3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19.log")]
    [TestCase("/var/log/containers/Web_shop_nginx-4f3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19.log")]
    [TestCase("/var/log/containers/web_shop.prod_nginx-4f3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19.log")]
    [TestCase("/var/log/containers/web_shop_-4f3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19.log")]
    [TestCase("/var/log/containers/web_shop_nginx-4f3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19.log.1")]
    [TestCase("/var/log/pods/shop_web_not-a-uid/nginx/0.log")]
    [TestCase("/var/log/pods/shop_web_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/nginx/x.log")]
    [TestCase("/var/log/pods/shop_web_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/nginx/0.log.gz")]
    [TestCase("/var/log/pods/shop_web_0b5e6f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/0.log")]
    [TestCase("/var/log/pods/shopweb0b5e6f2a/nginx/0.log")]
    [TestCase("nginx/0.log")]
    [TestCase("0.log")]
    public void TryParse_NotAKubeletPath_FalseWithNoAttributes(string path)
    {
        Assert.That(KubernetesPathMetadata.TryParse(path, out var attributes), Is.False);
        Assert.That(attributes, Is.Empty);
    }
}
