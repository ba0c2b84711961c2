using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary><c>db.Organization</c>.</summary>
public sealed class OrganizationSet(ShellSession session) : EntitySet<Organization>(session)
{
    /// <summary>A new, unsaved organization; <paramref name="publicKey"/> is base64 text as the API takes it.</summary>
    public Organization New(string? name = null, string? domain = null, string? address1 = null, string? address2 = null,
        string? zipcode = null, string? country = null, string? publicKey = null) => new()
    {
        Name = name, Domain = domain, Address1 = address1, Address2 = address2, Zipcode = zipcode, Country = country,
        PublicKey = publicKey is null ? null : Convert.FromBase64String(publicKey),
    };

    /// <summary>First organization with this name, or null.</summary>
    public Organization? GetByName(string name) => Rows.Where(o => o.Name == name).OrderBy(o => o.Id).FirstOrDefault();
}

/// <summary><c>db.Collaboration</c>.</summary>
public sealed class CollaborationSet(ShellSession session) : EntitySet<Collaboration>(session)
{
    public Collaboration New(string? name = null, bool encrypted = true, IEnumerable<Organization>? organizations = null)
    {
        var collaboration = new Collaboration { Name = name, Encrypted = encrypted };
        if (organizations is not null) collaboration.Organizations.AddRange(organizations);
        return collaboration;
    }

    /// <summary>First collaboration with this name, or null.</summary>
    public Collaboration? FindByName(string name) => Rows.Where(c => c.Name == name).OrderBy(c => c.Id).FirstOrDefault();
}

/// <summary><c>db.AlgorithmStore</c>.</summary>
public sealed class AlgorithmStoreSet(ShellSession session) : EntitySet<AlgorithmStore>(session)
{
    public List<AlgorithmStore> GetByUrl(string url) => Rows.Where(s => s.Url == url).OrderBy(s => s.Id).ToList();
}
