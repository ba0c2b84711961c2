using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary>
/// <c>obj.Save()</c> and <c>obj.Delete()</c> on every entity, as in the reference's shell. Both commit
/// the whole session (cli-and-config §5.3).
/// </summary>
public static class EntityPersistence
{
    extension(Organization e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(Collaboration e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(User e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(Node e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(Role e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(Rule e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(TaskEntity e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(Run e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(Study e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(AlgorithmStore e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(AlgorithmPort e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(NodeConfig e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }
    extension(TaskDatabase e) { public void Save() => Session.Save(e); public void Delete() => Session.Delete(e); }

    private static ShellSession Session => ShellSession.Current;
}
